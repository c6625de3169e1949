//! `GET /tasks`: the task ratio tree, as `--show-task-ratio-json` prints it,
//! with the class shares of the users running now when there are any.

use std::collections::BTreeMap;
use std::sync::Arc;

use locusta_engine::task::TaskRatio;
use locusta_engine::user::UserDefinition;
use serde_json::{json, Map, Value};

/// `{"per_class": …, "total": …}`: each class `{"ratio": share, "tasks":
/// {name: {"ratio": r, "tasks"?: …}}}`, task ratios relative to their parent
/// in `per_class` and absolute in `total`. A class's share is its share of
/// the running users (`running`, by class name) when any run, else its share
/// of the weights.
pub fn task_ratio_json(
    classes: &[Arc<dyn UserDefinition>],
    running: &BTreeMap<String, u64>,
) -> Value {
    let live: u64 = classes
        .iter()
        .map(|c| running.get(c.name()).copied().unwrap_or(0))
        .sum();
    let total_weight: f64 = classes
        .iter()
        .map(|c| c.weight())
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let mut per_class = Map::new();
    let mut total = Map::new();
    for class in classes {
        let share = if live > 0 {
            running.get(class.name()).copied().unwrap_or(0) as f64 / live as f64
        } else {
            class.weight() / total_weight
        };
        let tasks = class.task_ratios();
        per_class.insert(
            class.name().to_string(),
            json!({"ratio": share, "tasks": tasks_json(&tasks, share, false)}),
        );
        total.insert(
            class.name().to_string(),
            json!({"ratio": share, "tasks": tasks_json(&tasks, share, true)}),
        );
    }
    json!({"per_class": per_class, "total": total})
}

fn tasks_json(tasks: &[TaskRatio], parent_ratio: f64, total: bool) -> Value {
    let scale = if total { parent_ratio } else { 1.0 };
    let mut map = Map::new();
    for task in tasks {
        let ratio = task.ratio * scale;
        let value = if task.tasks.is_empty() {
            json!({ "ratio": ratio })
        } else {
            json!({"ratio": ratio, "tasks": tasks_json(&task.tasks, ratio, total)})
        };
        map.insert(task.name.clone(), value);
    }
    Value::Object(map)
}
