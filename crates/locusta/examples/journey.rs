//! A sequential user journey (Locust's `SequentialTaskSet`) nested in a user who
//! otherwise just looks around, plus a custom-protocol measurement.

use std::time::Duration;

use locusta::prelude::*;
use serde_json::json;

async fn home(u: &mut User<()>) {
    u.client.get("/").send().await;
}

async fn login(u: &mut User<()>) {
    u.client
        .post("/login")
        .json(&json!({"username": "journey", "password": "pw"}))
        .send()
        .await;
}

async fn add_to_cart(u: &mut User<()>) {
    u.client
        .post("/cart")
        .json(&json!({"product_id": 3, "quantity": 2}))
        .send()
        .await;
}

async fn checkout(u: &mut User<()>) -> TaskResult {
    u.client.post("/checkout").send().await;
    // Leave the journey; the user goes back to its own tasks without waiting.
    Err(TaskError::Interrupt { reschedule: true })
}

async fn think(u: &mut User<()>) -> TaskResult {
    // Any protocol can report into the same statistics.
    u.measure("think", "local pause", async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok::<_, std::io::Error>(())
    })
    .await?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    let journey = TaskSet::new("Purchase")
        .sequential()
        .task(1, login)
        .task(2, add_to_cart)
        .task(1, checkout);
    Locusta::new()
        .user(
            UserClass::<()>::new("Visitor")
                .wait(between(0.1, 0.5))
                .task(3, home)
                .task_set(1, journey)
                .task(1, think),
        )
        .main()
}
