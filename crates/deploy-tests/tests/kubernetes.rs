//! The Kubernetes manifests (`deploy/kubernetes`), rendered as `kubectl apply
//! -k` would apply them (`kubectl kustomize`; without kubectl, a reading of
//! the kustomization's files that covers what these manifests use), checked
//! for agreement with each other, with `docker-compose.yml` and with the
//! `Dockerfile`: image, arguments, ports, labels and selectors, the
//! locustfile's ConfigMap and mount, and the headless Job's workers and
//! report paths. No cluster is needed.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use locusta_deploy_tests::{
    at, compose_defaults, option_value, repo_root, run, str_at, words, yaml_documents, yaml_file,
    Value,
};

/// The objects of a kustomization directory, rendered.
fn render(relative: &str) -> Vec<Value> {
    let dir = repo_root().join(relative);
    let has_kubectl = run(
        Command::new("kubectl").args(["version", "--client"]),
        Duration::from_secs(60),
    )
    .ok();
    if !has_kubectl {
        eprintln!("kubectl not found: reading {relative}'s files without kustomize");
        return render_without_kubectl(&dir);
    }
    let ran = run(
        Command::new("kubectl").arg("kustomize").arg(&dir),
        Duration::from_secs(120),
    );
    assert!(
        ran.ok(),
        "kubectl kustomize {relative}:\n{}",
        ran.describe()
    );
    yaml_documents(&ran.stdout)
}

/// What kustomize makes of these manifests, for machines without kubectl:
/// resources (files and folders), the ConfigMap generator (without the
/// name's hash), `$patch: delete` patches and the `images` field.
fn render_without_kubectl(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("kustomization.yaml")).expect("kustomization.yaml");
    let kustomization: Value = serde_yaml::from_str(&text).expect("kustomization.yaml");
    let mut objects = Vec::new();
    for resource in at(&kustomization, &["resources"])
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let path = dir.join(resource.as_str().expect("a resource path"));
        if path.is_dir() {
            objects.extend(render_without_kubectl(&path));
        } else {
            objects.extend(yaml_documents(
                &std::fs::read_to_string(&path).expect("a resource"),
            ));
        }
    }
    for generator in at(&kustomization, &["configMapGenerator"])
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let mut data = serde_yaml::Mapping::new();
        for file in at(generator, &["files"])
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let name = file.as_str().expect("a file name");
            let content = std::fs::read_to_string(dir.join(name)).expect("a generator's file");
            data.insert(name.into(), content.into());
        }
        objects.push(
            serde_yaml::from_str::<Value>(&format!(
                "{{apiVersion: v1, kind: ConfigMap, metadata: {{name: {}}}}}",
                str_at(generator, &["name"])
            ))
            .map(|mut v| {
                v["data"] = Value::Mapping(data);
                v
            })
            .unwrap(),
        );
    }
    for patch in at(&kustomization, &["patches"])
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let body: Value = serde_yaml::from_str(str_at(patch, &["patch"])).expect("a patch");
        if at(&body, &["$patch"]).as_str() == Some("delete") {
            objects.retain(|o| {
                !(o["kind"] == body["kind"] && o["metadata"]["name"] == body["metadata"]["name"])
            });
        }
    }
    objects
}

/// The one object of `kind` named `name`.
fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            o["kind"].as_str() == Some(kind) && o["metadata"]["name"].as_str() == Some(name)
        })
        .collect();
    assert_eq!(found.len(), 1, "one {kind} {name} in {objects:#?}");
    found[0]
}

/// The ConfigMap made by the `locustfile` generator (its name has a hash).
fn locustfile_config_map(objects: &[Value]) -> &Value {
    objects
        .iter()
        .find(|o| {
            o["kind"].as_str() == Some("ConfigMap")
                && o["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n == "locustfile" || n.starts_with("locustfile-"))
        })
        .expect("the locustfile ConfigMap")
}

/// The pod template's only container.
fn container(workload: &Value) -> &Value {
    let containers = at(workload, &["spec", "template", "spec", "containers"])
        .as_sequence()
        .expect("containers");
    assert_eq!(containers.len(), 1, "one container in {workload:#?}");
    &containers[0]
}

fn args(container: &Value) -> Vec<String> {
    words(&container["args"])
}

/// `labels` as (key, value) pairs.
fn labels(value: &Value) -> BTreeSet<(String, String)> {
    value
        .as_mapping()
        .expect("labels")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_owned(),
                v.as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every label of `selector` is on `pod`.
fn selects(selector: &Value, pod: &Value) -> bool {
    labels(selector).is_subset(&labels(pod))
}

fn pod_labels(workload: &Value) -> &Value {
    at(workload, &["spec", "template", "metadata", "labels"])
}

/// A container port by name or number, as its number.
fn resolve_port(container: &Value, port: &Value) -> u64 {
    if let Some(number) = port.as_u64() {
        return number;
    }
    let name = port.as_str().expect("a port name or number");
    container["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|p| p["name"].as_str() == Some(name))
        .and_then(|p| p["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("no port named {name} in {container:#?}"))
}

fn container_ports(container: &Value) -> BTreeSet<u64> {
    container["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|p| p["containerPort"].as_u64().expect("a containerPort"))
        .collect()
}

/// The mount path of the pod volume the container mounts under `volume`'s
/// name, with the volume itself.
fn mount<'a>(workload: &'a Value, container: &Value, volume_name: &str) -> (String, &'a Value) {
    let path = container["volumeMounts"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|m| m["name"].as_str() == Some(volume_name))
        .map(|m| str_at(m, &["mountPath"]).to_owned())
        .unwrap_or_else(|| panic!("no mount of {volume_name} in {container:#?}"));
    let volume = at(workload, &["spec", "template", "spec", "volumes"])
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|v| v["name"].as_str() == Some(volume_name))
        .unwrap_or_else(|| panic!("no volume {volume_name}"));
    (path, volume)
}

/// The folder and file name of a path.
fn split_path(path: &str) -> (&str, &str) {
    path.rsplit_once('/').expect("an absolute path")
}

/// What every pod that runs locusta must have: the image, the entrypoint
/// kept, resource requests, and the locustfile from the generated ConfigMap
/// at the path `-f` names.
fn check_locusta_pod(objects: &[Value], workload: &Value, image: &str, locustfile: &str) {
    let name = str_at(workload, &["metadata", "name"]);
    let c = container(workload);
    assert_eq!(c["image"].as_str(), Some(image), "{name}'s image");
    assert!(
        c["command"].is_null(),
        "{name} keeps the image's entrypoint (locusta)"
    );
    for resource in ["cpu", "memory"] {
        assert!(
            !at(c, &["resources", "requests", resource]).is_null(),
            "{name} requests {resource}"
        );
    }
    assert_eq!(
        at(
            workload,
            &["spec", "template", "spec", "securityContext", "runAsUser"]
        )
        .as_u64(),
        Some(1000),
        "{name} runs as the image's user (uid 1000)"
    );
    let args = args(c);
    assert_eq!(option_value(&args, "-f"), Some(locustfile), "{name}'s -f");
    let (dir, file) = split_path(locustfile);
    let (mount_path, volume) = mount(workload, c, "locustfile");
    assert_eq!(mount_path, dir, "{name} mounts the locustfile's folder");
    let config_map = locustfile_config_map(objects);
    assert_eq!(
        at(volume, &["configMap", "name"]),
        &config_map["metadata"]["name"],
        "{name}'s volume is the generated ConfigMap"
    );
    assert!(
        !at(config_map, &["data", file]).is_null(),
        "the ConfigMap has {file}"
    );
}

/// What the Compose file says, with its defaults.
struct Compose {
    image: String,
    master: Vec<String>,
    worker: Vec<String>,
    master_ports: Vec<String>,
    services: BTreeSet<String>,
    volumes: Vec<String>,
}

fn compose() -> Compose {
    let file = yaml_file("docker-compose.yml");
    let service = |name: &str| at(&file, &["services", name]).clone();
    let (master, worker) = (service("master"), service("worker"));
    let command = |s: &Value| {
        words(&Value::String(compose_defaults(
            s["command"].as_str().unwrap(),
        )))
    };
    let image = compose_defaults(master["image"].as_str().unwrap());
    assert_eq!(
        compose_defaults(worker["image"].as_str().unwrap()),
        image,
        "Compose's master and worker run one image"
    );
    let strings = |v: &Value| -> Vec<String> {
        v.as_sequence()
            .into_iter()
            .flatten()
            .map(|s| compose_defaults(s.as_str().unwrap()))
            .collect()
    };
    assert_eq!(
        strings(&master["volumes"]),
        strings(&worker["volumes"]),
        "Compose's master and workers mount the same locustfile folder"
    );
    Compose {
        image,
        master: command(&master),
        worker: command(&worker),
        master_ports: strings(&master["ports"]),
        services: file["services"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect(),
        volumes: strings(&master["volumes"]),
    }
}

/// The Dockerfile's `EXPOSE`d ports and its `ENTRYPOINT` line.
fn dockerfile() -> (BTreeSet<u64>, String) {
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).expect("Dockerfile");
    let mut exposed = BTreeSet::new();
    let mut entrypoint = String::new();
    for line in text.lines() {
        if let Some(ports) = line.strip_prefix("EXPOSE ") {
            exposed.extend(
                ports
                    .split_whitespace()
                    .map(|p| p.parse::<u64>().expect("a port")),
            );
        }
        if let Some(rest) = line.strip_prefix("ENTRYPOINT ") {
            entrypoint = rest.trim().to_owned();
        }
    }
    (exposed, entrypoint)
}

#[test]
fn the_base_agrees_with_itself_compose_and_the_dockerfile() {
    let objects = render("deploy/kubernetes");
    let compose = compose();
    let (exposed, entrypoint) = dockerfile();
    assert_eq!(entrypoint, r#"["locusta"]"#);
    assert_eq!(
        exposed,
        BTreeSet::from([8089, 5557]),
        "the Dockerfile's EXPOSE"
    );

    let master = object(&objects, "Deployment", "locusta-master");
    let worker = object(&objects, "Deployment", "locusta-worker");
    let service = object(&objects, "Service", "locusta-master");

    // Selectors and labels.
    for workload in [master, worker] {
        assert!(
            selects(
                at(workload, &["spec", "selector", "matchLabels"]),
                pod_labels(workload)
            ),
            "a Deployment selects its own pods: {workload:#?}"
        );
    }
    let selector = at(service, &["spec", "selector"]);
    assert!(
        selects(selector, pod_labels(master)),
        "the Service selects the master"
    );
    assert!(
        !selects(selector, pod_labels(worker)),
        "the Service does not select workers"
    );
    assert!(
        !selects(
            at(worker, &["spec", "selector", "matchLabels"]),
            pod_labels(master)
        ),
        "the worker Deployment does not claim the master's pod"
    );

    // One image, the one Compose runs; the same locustfile path as Compose.
    let locustfile = option_value(&compose.master, "-f").expect("-f in Compose's master");
    assert_eq!(option_value(&compose.worker, "-f"), Some(locustfile));
    for workload in [master, worker] {
        check_locusta_pod(&objects, workload, &compose.image, locustfile);
    }
    // Compose mounts the examples folder where -f looks, and the manifests
    // carry the same locustfile.
    let (dir, file) = split_path(locustfile);
    let host_dir = compose
        .volumes
        .iter()
        .find_map(|v| {
            let mut parts = v.split(':');
            let (host, inside) = (parts.next()?, parts.next()?);
            (inside == dir).then(|| host.to_owned())
        })
        .unwrap_or_else(|| panic!("Compose mounts nothing at {dir}: {:?}", compose.volumes));
    let example = std::fs::read_to_string(repo_root().join(&host_dir).join(file))
        .unwrap_or_else(|e| panic!("{host_dir}/{file} from Compose's volume: {e}"));
    assert_eq!(
        at(locustfile_config_map(&objects), &["data", file]).as_str(),
        Some(example.as_str()),
        "deploy/kubernetes/base/{file} is the same as {host_dir}/{file}"
    );

    // Roles and the master's address.
    let (master_args, worker_args) = (args(container(master)), args(container(worker)));
    assert!(
        master_args.contains(&"--master".to_owned())
            && compose.master.contains(&"--master".to_owned())
    );
    assert!(
        worker_args.contains(&"--worker".to_owned())
            && compose.worker.contains(&"--worker".to_owned())
    );
    assert_eq!(
        option_value(&worker_args, "--master-host"),
        service["metadata"]["name"].as_str(),
        "workers reach the master through its Service"
    );
    let compose_master_host =
        option_value(&compose.worker, "--master-host").expect("--master-host");
    assert!(
        compose.services.contains(compose_master_host),
        "Compose's workers name the master's service ({compose_master_host})"
    );
    assert_eq!(
        option_value(&master_args, "-H"),
        option_value(&compose.master, "-H"),
        "the same default host in both"
    );
    // Neither moves the ports away from the defaults the Dockerfile exposes.
    for a in [&master_args, &worker_args, &compose.master, &compose.worker] {
        for flag in ["--web-port", "--master-bind-port", "--master-port"] {
            assert_eq!(option_value(a, flag), None, "{flag} in {a:?}");
        }
    }

    // Ports: the container's, the Service's, the readiness probe, Compose's.
    let master_container = container(master);
    assert_eq!(
        container_ports(master_container),
        exposed,
        "the master's containerPorts"
    );
    let mut service_ports = BTreeSet::new();
    for port in at(service, &["spec", "ports"])
        .as_sequence()
        .expect("Service ports")
    {
        let number = port["port"].as_u64().expect("a port");
        let target = if port["targetPort"].is_null() {
            &port["port"]
        } else {
            &port["targetPort"]
        };
        assert_eq!(
            resolve_port(master_container, target),
            number,
            "Service port {number}"
        );
        service_ports.insert(number);
    }
    assert_eq!(service_ports, exposed, "the Service's ports");
    let probe = at(master_container, &["readinessProbe", "httpGet"]);
    assert_eq!(
        resolve_port(master_container, &probe["port"]),
        8089,
        "readiness on the web UI"
    );
    assert_eq!(probe["path"].as_str(), Some("/"));
    assert!(
        compose.master_ports.iter().any(|p| p.ends_with(":8089")),
        "Compose publishes the web UI: {:?}",
        compose.master_ports
    );
    assert!(at(worker, &["spec", "replicas"]).as_u64().unwrap_or(1) >= 1);
}

#[test]
fn the_headless_job_replaces_the_master_and_keeps_its_reports() {
    let base = render("deploy/kubernetes");
    let objects = render("deploy/kubernetes/headless");
    let compose = compose();
    assert!(
        !objects
            .iter()
            .any(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "locusta-master"),
        "no web-UI master beside the Job"
    );
    let job = object(&objects, "Job", "locusta-headless");
    let worker = object(&objects, "Deployment", "locusta-worker");
    let service = object(&objects, "Service", "locusta-master");
    let base_master = container(object(&base, "Deployment", "locusta-master"));

    assert!(
        selects(at(service, &["spec", "selector"]), pod_labels(job)),
        "the master Service selects the Job's pod, so the workers find it"
    );
    assert!(!selects(
        at(service, &["spec", "selector"]),
        pod_labels(worker)
    ));
    let locustfile = option_value(&compose.master, "-f").unwrap();
    check_locusta_pod(&objects, job, &compose.image, locustfile);
    check_locusta_pod(&objects, worker, &compose.image, locustfile);

    assert_eq!(
        at(job, &["spec", "backoffLimit"]).as_u64(),
        Some(0),
        "one try: the test's exit code is the Job's"
    );
    assert_eq!(
        at(job, &["spec", "template", "spec", "restartPolicy"]).as_str(),
        Some("Never")
    );

    let c = container(job);
    let job_args = args(c);
    for flag in ["--master", "--headless"] {
        assert!(
            job_args.contains(&flag.to_owned()),
            "{flag} in {job_args:?}"
        );
    }
    assert_eq!(
        option_value(&job_args, "-H"),
        option_value(&args(base_master), "-H")
    );
    let replicas = at(worker, &["spec", "replicas"]).as_u64().unwrap_or(1);
    assert_eq!(
        option_value(&job_args, "--expect-workers"),
        Some(replicas.to_string().as_str()),
        "the Job waits for every worker replica"
    );
    for flag in ["-u", "-t"] {
        assert!(option_value(&job_args, flag).is_some(), "{flag} in the Job");
    }
    // The Service's target ports exist on the Job's container too.
    for port in at(service, &["spec", "ports"]).as_sequence().unwrap() {
        let target = if port["targetPort"].is_null() {
            &port["port"]
        } else {
            &port["targetPort"]
        };
        assert_eq!(resolve_port(c, target), port["port"].as_u64().unwrap());
    }

    // Every report lands on the results volume, a claim of this overlay.
    let (results, volume) = mount(job, c, "results");
    let claim = str_at(volume, &["persistentVolumeClaim", "claimName"]);
    object(&objects, "PersistentVolumeClaim", claim);
    for flag in ["--csv", "--html", "--json-file"] {
        let path = option_value(&job_args, flag).unwrap_or_else(|| panic!("{flag} in the Job"));
        assert!(
            path.starts_with(&format!("{results}/")),
            "{flag} {path} is on the results volume ({results})"
        );
    }
    // The pod that reads them back mounts the same claim and runs the image.
    let reader = yaml_file("deploy/kubernetes/headless/results-reader.yaml");
    let reader_volume = &at(&reader, &["spec", "volumes"])[0];
    assert_eq!(
        str_at(reader_volume, &["persistentVolumeClaim", "claimName"]),
        claim
    );
    assert_eq!(
        str_at(&at(&reader, &["spec", "containers"])[0], &["image"]),
        compose.image
    );
}

/// The reading used without kubectl finds the same objects as kustomize
/// (the generated ConfigMap's name aside), so the checks above mean the same
/// on a machine without kubectl.
#[test]
fn the_reading_without_kubectl_matches_kustomize() {
    let has_kubectl = run(
        Command::new("kubectl").args(["version", "--client"]),
        Duration::from_secs(60),
    )
    .ok();
    if !has_kubectl {
        eprintln!("kubectl not found: nothing to compare the plain reading with");
        return;
    }
    let key = |o: &Value| {
        let name = str_at(o, &["metadata", "name"]);
        let name = if name.starts_with("locustfile-") {
            "locustfile"
        } else {
            name
        };
        (str_at(o, &["kind"]).to_owned(), name.to_owned())
    };
    for dir in ["deploy/kubernetes", "deploy/kubernetes/headless"] {
        let rendered = render(dir);
        let plain = render_without_kubectl(&repo_root().join(dir));
        let mut a: Vec<_> = rendered.iter().map(key).collect();
        let mut b: Vec<_> = plain.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{dir}");
        for o in &plain {
            if o["kind"] == "ConfigMap" {
                continue;
            }
            let twin = rendered.iter().find(|r| key(r) == key(o)).unwrap();
            // The pods' containers (the image field aside: `images` is not
            // applied) and the Services' selectors and ports.
            for path in [["spec", "selector"], ["spec", "ports"]] {
                assert_eq!(at(o, &path), at(twin, &path), "{dir}: {:?}", key(o));
            }
            let args =
                |v: &Value| at(v, &["spec", "template", "spec", "containers"])[0]["args"].clone();
            assert_eq!(args(o), args(twin), "{dir}: {:?}", key(o));
        }
    }
}
