//! Responses that Python code sets attributes on (every `catch_response`
//! request, every request with `headers=`, `data=` or `json=`, a user's own
//! `response.x = …`) are freed whole. With `#[pyclass(dict)]`, PyO3 0.23
//! leaked each response's emptied `__dict__` (64 bytes; PyO3 issue #5953):
//! 3.5 MiB a minute at 1,000 requests/s in `bench/soak.sh`. The test counts
//! the interpreter's allocated memory blocks around 3,000 such requests
//! through the real binary.

mod common;

use common::programs::locusta;
use common::scratch::scratch;
use common::text::assert_contains;
use locusta_demo_target::{spawn, TargetConfig};

#[test]
fn responses_with_attributes_set_from_python_are_freed() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("respmem");
    let locustfile = dir.join("attributes.py");
    std::fs::write(
        &locustfile,
        r#"import gc, sys
from locust import FastHttpUser, HttpUser, constant, task


def requests(client):
    for i in range(1000):
        with client.get("/", catch_response=True) as response:
            response.success()
        client.get("/", headers={"X-N": str(i)})
        response = client.get("/")
        response.mine = i
        assert response.mine == i
        del response.mine


class Blocks(FastHttpUser):
    wait_time = constant(0)

    @task
    def measure(self):
        requests(self.client)  # warm-up: caches, pools, interned strings
        gc.collect()
        before = sys.getallocatedblocks()
        requests(self.client)
        gc.collect()
        print("BLOCKS GROWTH", sys.getallocatedblocks() - before, flush=True)


class Slow(HttpUser):
    wait_time = constant(0)

    @task
    def measure(self):
        requests(self.client)
        gc.collect()
        before = sys.getallocatedblocks()
        requests(self.client)
        gc.collect()
        print("BLOCKS GROWTH", sys.getallocatedblocks() - before, flush=True)
"#,
    )
    .unwrap();
    for class in ["Blocks", "Slow"] {
        let run = locusta(&[
            "-f",
            locustfile.to_str().unwrap(),
            "-u",
            "1",
            "-i",
            "1",
            "-H",
            &target.url(),
            class,
        ]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert_contains(&all, "BLOCKS GROWTH");
        let growth: i64 = all
            .split("BLOCKS GROWTH ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("a block count");
        // 3,000 responses: one leaked dict each was 3,000 blocks and more.
        assert!(
            growth < 300,
            "{class}: {growth} memory blocks more after 3000 requests:\n{}",
            run.stderr
        );
    }
}
