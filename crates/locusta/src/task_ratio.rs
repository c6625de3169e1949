//! `--show-task-ratio`: each class's share of users and each task's share of picks.

use std::fmt::Write;
use std::sync::Arc;

use locusta_engine::task::TaskRatio;
use locusta_engine::user::UserDefinition;

/// The per-class and total task ratio tree, as Locust prints it.
pub fn render(classes: &[Arc<dyn UserDefinition>]) -> String {
    let total_weight: f64 = classes.iter().map(|c| c.weight()).sum();
    let mut out = String::from("\n Task ratio per User class\n");
    for class in classes {
        let _ = writeln!(
            out,
            " - {}: {:.1}%",
            class.name(),
            100.0 * class.weight() / total_weight.max(f64::MIN_POSITIVE)
        );
        tree(&mut out, &class.task_ratios(), 1.0, 1);
    }
    out.push_str("\n Total task ratio\n");
    for class in classes {
        let share = class.weight() / total_weight.max(f64::MIN_POSITIVE);
        let _ = writeln!(out, " - {}: {:.1}%", class.name(), 100.0 * share);
        tree(&mut out, &class.task_ratios(), share, 1);
    }
    out
}

fn tree(out: &mut String, tasks: &[TaskRatio], scale: f64, depth: usize) {
    for task in tasks {
        let _ = writeln!(
            out,
            "{}- {}: {:.1}%",
            "    ".repeat(depth) + " ",
            task.name,
            100.0 * task.ratio * scale
        );
        tree(out, &task.tasks, task.ratio * scale, depth + 1);
    }
}

/// `--show-task-ratio-json`: `{"per_class": …, "total": …}` as Locust prints it:
/// each class `{"ratio": share of users, "tasks": {name: {"ratio": r, "tasks"?: …}}}`,
/// task ratios relative to their parent in `per_class` and absolute in `total`.
pub fn render_json(classes: &[Arc<dyn UserDefinition>]) -> String {
    let total_weight: f64 = classes
        .iter()
        .map(|c| c.weight())
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let mut per_class = serde_json::Map::new();
    let mut total = serde_json::Map::new();
    for class in classes {
        let share = class.weight() / total_weight;
        let tasks = class.task_ratios();
        per_class.insert(
            class.name().to_string(),
            serde_json::json!({"ratio": share, "tasks": tasks_json(&tasks, share, false)}),
        );
        total.insert(
            class.name().to_string(),
            serde_json::json!({"ratio": share, "tasks": tasks_json(&tasks, share, true)}),
        );
    }
    let document = serde_json::json!({"per_class": per_class, "total": total});
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

fn tasks_json(tasks: &[TaskRatio], parent_ratio: f64, total: bool) -> serde_json::Value {
    let scale = if total { parent_ratio } else { 1.0 };
    let mut map = serde_json::Map::new();
    for task in tasks {
        let ratio = task.ratio * scale;
        let value = if task.tasks.is_empty() {
            serde_json::json!({ "ratio": ratio })
        } else {
            serde_json::json!({"ratio": ratio, "tasks": tasks_json(&task.tasks, ratio, total)})
        };
        map.insert(task.name.clone(), value);
    }
    serde_json::Value::Object(map)
}
