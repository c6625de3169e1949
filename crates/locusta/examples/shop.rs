//! The quickstart: shoppers who log in, browse the catalogue and sometimes buy,
//! with responses validated like Locust's `catch_response`.
//!
//! Run it against the bundled demo shop with `scripts/demo.sh`, or:
//! `cargo run --release --example shop -- --headless -u 20 -r 10 -t 30s -H http://127.0.0.1:PORT`

use locusta::prelude::*;
use serde_json::{json, Value};

#[derive(Default)]
struct Shopper {
    product: u64,
}

async fn login(u: &mut User<Shopper>) -> TaskResult {
    let name = format!("shopper{}", u.id());
    let response = u
        .client
        .post("/login")
        .json(&json!({"username": name, "password": "secret"}))
        .send()
        .await;
    if !response.ok() {
        return Err(TaskError::fail(format!(
            "login failed with status {}",
            response.status()
        )));
    }
    Ok(())
}

async fn browse(u: &mut User<Shopper>) -> TaskResult {
    let products: Value = u.client.get("/products").send().await.json()?;
    u.product = products[0]["id"].as_u64().unwrap_or(1);
    Ok(())
}

async fn view_product(u: &mut User<Shopper>) {
    let id = u.product.max(1) + u.id() % 5;
    let mut r = u
        .client
        .get(&format!("/products/{id}"))
        .name("/products/{id}")
        .catch_response()
        .send()
        .await;
    if r.status() == 200 && !r.text().contains("\"price\"") {
        r.failure("product without a price");
    }
}

async fn buy(u: &mut User<Shopper>) {
    let product = u.product.max(1);
    // A custom option: `--quantity N` on the command line, or in the web UI's form.
    let quantity = u
        .environment()
        .option("quantity")
        .and_then(|v| v.as_i64())
        .unwrap_or(1);
    u.client
        .post("/cart")
        .json(&json!({"product_id": product, "quantity": quantity}))
        .send()
        .await;
    u.client.post("/checkout").send().await;
}

fn main() -> std::process::ExitCode {
    Locusta::new()
        .option(
            CustomOption::new("quantity", "Items put in the cart per purchase")
                .kind(OptionKind::Integer)
                .default_value(OptionValue::Integer(1)),
        )
        .user(
            UserClass::<Shopper>::new("Shopper")
                .wait(between(0.5, 1.5))
                .on_start(login)
                .task(4, browse)
                .task(3, view_product)
                .task(1, buy),
        )
        .main()
}
