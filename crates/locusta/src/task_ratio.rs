//! `--show-task-ratio`: each class's share of users and each task's share of picks.

use std::fmt::Write;
use std::sync::Arc;

use locusta_engine::task::{task_ratio_tree, TaskRatio};
use locusta_engine::user::UserDefinition;

/// The per-class and total task ratio tree, as Locust prints it, from the
/// classes' weights.
pub fn render(classes: &[Arc<dyn UserDefinition>]) -> String {
    let classes = task_ratio_tree(classes, &Default::default());
    let mut out = String::from("\n Task ratio per User class\n");
    for class in &classes {
        let _ = writeln!(out, " - {}: {:.1}%", class.name, 100.0 * class.share);
        tree(&mut out, &class.tasks, 1.0, 1);
    }
    out.push_str("\n Total task ratio\n");
    for class in &classes {
        let _ = writeln!(out, " - {}: {:.1}%", class.name, 100.0 * class.share);
        tree(&mut out, &class.tasks, class.share, 1);
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

/// `--show-task-ratio-json`: `{"per_class": …, "total": …}` as Locust prints it
/// (see [`locusta_web::task_ratio_json`]), from the classes' weights.
pub fn render_json(classes: &[Arc<dyn UserDefinition>]) -> String {
    let document = locusta_web::task_ratio_json(classes, &Default::default());
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
