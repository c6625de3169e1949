//! Entry points for the fuzz targets in `fuzz/` and their regression tests:
//! each runs this crate's real decoding on untrusted bytes, as the sockets
//! and the master's and workers' message handlers do, without a network or
//! a running test. None may panic, hang or allocate beyond the limits.

use bytes::BytesMut;
use locusta_engine::options::OptionKind;
use locusta_stats::RequestStats;
use rmpv::Value;

use crate::message::{MapExt, Message};
use crate::zmtp::{self, Assembler, Event};

/// ZMTP as a socket sees it: a greeting, then frames arriving in chunks
/// whose sizes come from the input's first bytes.
pub fn zmtp_stream(data: &[u8]) {
    let Some((&chunking, data)) = data.split_first() else {
        return;
    };
    let greeting_len = zmtp::GREETING_LEN.min(data.len());
    let (greeting, rest) = data.split_at(greeting_len);
    let _ = zmtp::parse_greeting(greeting);
    // A small limit, so that the limit itself is reached by small inputs.
    let mut assembler = Assembler::new(4096);
    let mut buffer = BytesMut::new();
    let chunk = usize::from(chunking % 64) + 1;
    for piece in rest.chunks(chunk) {
        let wanted = assembler.wanted(&buffer);
        assert!((1..=zmtp::READ_CHUNK).contains(&wanted));
        buffer.extend_from_slice(piece);
        loop {
            match assembler.next(&mut buffer) {
                Ok(Some(Event::Message(parts))) => {
                    assert!(!parts.is_empty() && parts.len() <= zmtp::MAX_FRAMES);
                    assert!(parts.iter().map(|p| p.len()).sum::<usize>() <= 4096);
                    if let Some(last) = parts.last() {
                        let _ = Message::decode(last);
                    }
                }
                Ok(Some(Event::Command(_))) => {}
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

/// The msgpack envelope: decoding, and re-encoding what decoded.
pub fn envelope(data: &[u8]) {
    let shape = crate::message::check_shape(data);
    if let Ok(message) = Message::decode(data) {
        assert!(shape.is_ok());
        let again = Message::decode(&message.encode()).expect("an encoded message decodes");
        assert_eq!(again.kind, message.kind);
        assert_eq!(again.node_id, message.node_id);
        let _ = crate::message::from_json(&crate::message::to_json(&message.data));
    }
}

/// A worker's statistics report, merged as the master merges it, then
/// turned into every table and report that reads statistics.
pub fn stats_report(data: &[u8]) {
    let Ok(message) = Message::decode(data) else {
        return;
    };
    let mut stats = RequestStats::new(1_000.0);
    let _ = crate::wire::merge_report(&mut stats, &message.data);
    // Twice: merging into existing rows as well as new ones.
    let _ = crate::wire::merge_report(&mut stats, &message.data);
    stats.snapshot_response_times(1_010.0, true);
    for entry in stats.entries() {
        for q in locusta_stats::PERCENTILES_TO_REPORT {
            let _ = entry.percentile(q);
            let _ = entry.current_percentile(q, 1_020.0);
        }
        let _ = stats.rates(entry, true);
    }
    let _ = locusta_stats::console::stats_table(&stats, true, 40);
    let _ = locusta_stats::console::percentiles_table(&stats, 40);
    let _ = locusta_stats::console::error_report(&stats);
    let _ = locusta_stats::json::stats_json(&stats);
    let _ = locusta_stats::csv::stats_csv(&stats);
    let _ = locusta_stats::csv::history_rows(&stats, 3, 1_020.0, true);
    let _ = locusta_stats::csv::failures_csv(&stats);
    // And back on the wire, as a worker would send it.
    let fields = crate::wire::stats_fields(&stats);
    let _ = Message::new("stats", crate::message::map(fields), "w").encode();
}

/// Every message type's data, read as the master and the workers read it.
pub fn message_types(data: &[u8]) {
    let Ok(message) = Message::decode(data) else {
        return;
    };
    let data = &message.data;
    // From workers to the master.
    let _ = crate::master::read_worker_message(&message.kind, data);
    // From the master to workers.
    let _ = data.get_f64("timestamp");
    let _ = crate::worker::spawn_counts(data);
    if let Some(options) = data.get("parsed_options") {
        let _ = crate::worker::tag_filter(options);
        if let Some(pairs) = options.as_map() {
            let kinds = [
                OptionKind::Text,
                OptionKind::Integer,
                OptionKind::Float,
                OptionKind::Flag,
                OptionKind::Choice(vec!["a".into()]),
                OptionKind::MultiChoice(vec!["a".into()]),
            ];
            for ((_, value), kind) in pairs.iter().zip(kinds.iter().cycle()) {
                let _ = crate::worker::option_value(kind, value);
            }
        }
    }
    let _ = serde_json::from_value::<locusta_engine::class_settings::UserClassSettings>(
        crate::message::to_json(data),
    );
    let _ = crate::locustfiles::parse_answer(data);
    let _ = matches!(data, Value::Nil);
}
