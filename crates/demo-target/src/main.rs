//! `locusta-demo-target`: runs the demo shop API until SIGINT or SIGTERM.

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use locusta_demo_target::{Target, TargetConfig};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

/// A small shop-like HTTP API to load-test with locusta.
///
/// Prints `listening on http://HOST:PORT` on stdout once ready, and
/// `served N requests` on stderr when stopped by SIGINT or SIGTERM.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Delay in milliseconds added to every shop endpoint.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction (0.0 to 1.0) of shop requests answered with a 500.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    error_rate: f64,
    /// Tokio worker threads; 1 runs a single-threaded runtime.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("`{s}` is not a number from 0.0 to 1.0")),
    }
}

fn main() {
    let args = Args::parse();
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(usize::from(args.threads))
            .enable_all()
            .build()
    };
    let runtime = runtime.unwrap_or_else(|e| fail(&format!("cannot start the runtime: {e}")));
    let target = Target::new(TargetConfig {
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        ..TargetConfig::default()
    });
    runtime.block_on(run(&args, target.clone()));
    // Connections still open are dropped rather than awaited.
    runtime.shutdown_background();
    eprintln!("served {} requests", target.requests_served());
}

async fn run(args: &Args, target: Target) {
    // Watch signals before announcing the address, so a stop right after it is clean.
    let mut interrupt = signal(SignalKind::interrupt())
        .unwrap_or_else(|e| fail(&format!("cannot watch SIGINT: {e}")));
    let mut terminate = signal(SignalKind::terminate())
        .unwrap_or_else(|e| fail(&format!("cannot watch SIGTERM: {e}")));
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .await
        .unwrap_or_else(|e| fail(&format!("cannot bind {}:{}: {e}", args.host, args.port)));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(&format!("cannot read the bound address: {e}")));
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on http://{addr}").and_then(|()| stdout.flush());
    drop(stdout);
    tokio::select! {
        () = target.serve(listener) => {}
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
}

fn fail(message: &str) -> ! {
    eprintln!("locusta-demo-target: {message}");
    std::process::exit(1)
}
