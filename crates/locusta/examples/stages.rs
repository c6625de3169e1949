//! A staged load shape (Locust's `LoadTestShape` with stages): 10 users for 10 s,
//! 30 users until 20 s, 5 users until 30 s, then stop.

use locusta::prelude::*;

async fn index(u: &mut User<()>) {
    u.client.get("/").send().await;
}

async fn products(u: &mut User<()>) {
    u.client.get("/products").send().await;
}

fn main() -> std::process::ExitCode {
    Locusta::new()
        .user(
            UserClass::<()>::new("Browser")
                .wait(constant(0.5))
                .task(1, index)
                .task(1, products),
        )
        .shape(Stages::new(&[
            (10, 10, 10.0),
            (20, 30, 10.0),
            (30, 5, 10.0),
        ]))
        .main()
}
