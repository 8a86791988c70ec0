//! Raw Argon2id verification rate with Linli's parameters, on N threads for S seconds: the
//! ceiling login throughput is compared against. Prints one line: `verifications_per_second N`.

use std::time::{Duration, Instant};

use linli_domain::accounts::password;

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let phc = password::hash("linli-demo-2026").expect("hashing works");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let phc = phc.clone();
                scope.spawn(move || {
                    let mut done = 0u64;
                    while Instant::now() < deadline {
                        assert!(password::verify("linli-demo-2026", &phc));
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker finishes"))
            .collect()
    });
    let total: u64 = counts.iter().sum();
    let rate = total as f64 / started.elapsed().as_secs_f64();
    #[expect(clippy::print_stdout, reason = "the figure is this program's output")]
    {
        println!("verifications_per_second {rate:.1}");
    }
}
