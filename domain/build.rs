//! Rebuilds the crate when a migration is added or changed: the migrations are embedded at
//! compile time, and cargo does not otherwise look at the folder.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
