//! User classes as the Python side describes them: the JSON that
//! `locust.main._describe` writes for each class when the locustfile loads
//! and when the web UI edits a class, read here into the engine's
//! [`HostedClass`] (name, weight, fixed count, host, task ratios).

use locusta_engine::host::HostedClass;
use locusta_engine::task::TaskRatio;

/// A user class as the Python side describes it (`locust.main._describe`).
#[derive(serde::Deserialize)]
pub(crate) struct DescribedClass {
    pub(crate) name: String,
    weight: f64,
    fixed_count: u64,
    host: Option<String>,
    pub(crate) needs_host: bool,
    tasks: Vec<DescribedTask>,
    available_tasks: Vec<String>,
}

/// `[name, ratio, [children…]]`: a task's share, with a task set's own tasks.
#[derive(serde::Deserialize)]
struct DescribedTask(String, f64, Vec<DescribedTask>);

impl From<DescribedTask> for TaskRatio {
    fn from(DescribedTask(name, ratio, tasks): DescribedTask) -> Self {
        TaskRatio {
            name,
            ratio,
            tasks: tasks.into_iter().map(TaskRatio::from).collect(),
        }
    }
}

impl DescribedClass {
    /// Reads one class's JSON.
    pub(crate) fn parse(described: &str) -> Result<DescribedClass, String> {
        serde_json::from_str(described)
            .map_err(|e| format!("bad class description from Python ({e}): {described}"))
    }
}

impl From<DescribedClass> for HostedClass {
    fn from(class: DescribedClass) -> Self {
        HostedClass {
            name: class.name,
            weight: class.weight,
            fixed_count: class.fixed_count,
            host: class.host,
            task_ratios: class.tasks.into_iter().map(TaskRatio::from).collect(),
            available_tasks: class.available_tasks,
        }
    }
}
