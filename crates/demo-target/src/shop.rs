//! The shop's data: a fixed catalogue and the sessions with their carts.

use std::collections::{HashMap, VecDeque};

use serde_json::{json, Value};

/// One product of the catalogue; prices are kept in cents.
pub(crate) struct Product {
    pub id: u32,
    pub name: &'static str,
    pub price_cents: u64,
}

const NAMES: [&str; 20] = [
    "Garden hose",
    "Watering can",
    "Seed tray",
    "Trowel",
    "Pruning shears",
    "Rake",
    "Spade",
    "Wheelbarrow",
    "Compost bin",
    "Bird feeder",
    "Plant pot",
    "Gloves",
    "Sun hat",
    "Hedge trimmer",
    "Lawn sprinkler",
    "Kneeling pad",
    "Garden twine",
    "Plant labels",
    "Grow light",
    "Rain gauge",
];

/// The catalogue: ids 1 to 20.
pub(crate) fn catalogue() -> Vec<Product> {
    NAMES
        .iter()
        .zip(1u32..)
        .map(|(name, id)| Product {
            id,
            name,
            price_cents: 199 + u64::from(id) * 250,
        })
        .collect()
}

/// A price in cents as a JSON number of currency units.
pub(crate) fn price(cents: u64) -> Value {
    json!(cents as f64 / 100.0)
}

impl Product {
    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "price": price(self.price_cents)})
    }
}

/// Cart lines: product id and quantity.
pub(crate) type Cart = Vec<(u32, u32)>;

/// Sessions by token, forgetting the oldest beyond a bound.
pub(crate) struct Sessions {
    carts: HashMap<String, Cart>,
    order: VecDeque<String>,
    max: usize,
}

impl Sessions {
    pub fn new(max: usize) -> Self {
        Self {
            carts: HashMap::new(),
            order: VecDeque::new(),
            max: max.max(1),
        }
    }

    /// Opens a new session with an empty cart and returns its token.
    pub fn open(&mut self) -> String {
        while self.carts.len() >= self.max {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.carts.remove(&oldest);
                }
                None => break,
            }
        }
        let token = format!("{:032x}", rand::random::<u128>());
        self.carts.insert(token.clone(), Cart::new());
        self.order.push_back(token.clone());
        token
    }

    /// The cart of a session, if the session exists.
    pub fn cart(&mut self, token: &str) -> Option<&mut Cart> {
        self.carts.get_mut(token)
    }
}

/// Adds `quantity` of a product to a cart.
pub(crate) fn add_to_cart(cart: &mut Cart, product_id: u32, quantity: u32) {
    match cart.iter_mut().find(|(id, _)| *id == product_id) {
        Some((_, q)) => *q = q.saturating_add(quantity),
        None => cart.push((product_id, quantity)),
    }
}
