//! `GET /tasks`: the task ratio tree, as `--show-task-ratio-json` prints it,
//! with the class shares of the users running now when there are any.

use std::collections::BTreeMap;
use std::sync::Arc;

use locusta_engine::task::{task_ratio_tree, TaskRatio};
use locusta_engine::user::UserDefinition;
use serde_json::{json, Map, Value};

/// `{"per_class": …, "total": …}`: each class `{"ratio": share, "tasks":
/// {name: {"ratio": r, "tasks"?: …}}}`, task ratios relative to their parent
/// in `per_class` and absolute in `total`. A class's share is its share of
/// the running users (`running`, by class name) when any run, else its share
/// of the weights ([`task_ratio_tree`]).
pub fn task_ratio_json(
    classes: &[Arc<dyn UserDefinition>],
    running: &BTreeMap<String, u64>,
) -> Value {
    let mut per_class = Map::new();
    let mut total = Map::new();
    for class in task_ratio_tree(classes, running) {
        let share = class.share;
        per_class.insert(
            class.name.clone(),
            json!({"ratio": share, "tasks": tasks_json(&class.tasks, share, false)}),
        );
        total.insert(
            class.name,
            json!({"ratio": share, "tasks": tasks_json(&class.tasks, share, true)}),
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
