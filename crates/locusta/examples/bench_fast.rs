//! Benchmark user: `GET /` with no wait (bench/run.sh, scenario A).

use locusta::prelude::*;

async fn index(u: &mut User<()>) {
    u.client.get("/").send().await;
}

fn main() -> std::process::ExitCode {
    Locusta::new()
        .user(UserClass::<()>::new("Fast").task(1, index))
        .main()
}
