//! How the plan checks scale: `plan::parse` on plans of 2,000, 16,000 and 200,000 records
//! of each kind (credential, connection, provider), every record valid, so every check
//! runs before the count is refused. Linear checks keep the time per record flat.
//! Run: `cargo bench --bench plan`.

use std::time::Instant;

fn many(n: usize) -> String {
    let mut t = String::from("mode = \"strict\"\n");
    for i in 0..n {
        t.push_str(&format!(
            "[[credential]]\nname = \"C{i}\"\nprofile = \"P\"\ndelegated_user = \"d{i}@contoso.com\"\n\
             [[connection]]\nname = \"N{i}\"\nalias = \"A{i}\"\ncredential = \"C{i}\"\n\
             [[provider]]\nname = \"R{i}\"\nalias = \"A{i}\"\ndelegated_user = \"d{i}@contoso.com\"\n"
        ));
    }
    t
}

fn main() {
    println!("{:>9} {:>10} {:>10} {:>14}", "records", "MB", "ms", "us per record");
    for n in [2_000usize, 16_000, 200_000] {
        let text = many(n);
        let started = Instant::now();
        let result = calsync::plan::parse("bench.toml", &text);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert!(result.is_err_and(|e| e.message.contains("at most")), "the count is refused");
        let records = 3 * n;
        println!("{records:>9} {:>10.1} {ms:>10.0} {:>14.2}", text.len() as f64 / 1e6, ms * 1000.0 / records as f64);
    }
}
