//! Benchmark user: `GET /sleep?ms=50` with no wait (bench/run.sh, scenario B).

use locusta::prelude::*;

async fn slow(u: &mut User<()>) {
    u.client.get("/sleep?ms=50").send().await;
}

fn main() -> std::process::ExitCode {
    Locusta::new()
        .user(UserClass::<()>::new("Sleeper").task(1, slow))
        .main()
}
