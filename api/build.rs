//! Rebuilds the binary when a front-end file is added, changed or removed: the files of
//! `web/` are embedded at build time.

fn main() {
    for path in ["index.html", "icon.svg", "css", "js", "i18n"] {
        println!("cargo:rerun-if-changed=../web/{path}");
    }
}
