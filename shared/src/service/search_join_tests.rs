use super::*;

/// Streams as sorted id lists; `read` answers like a Query within the range, in order.
fn run(streams: &[Vec<u32>], range: IdRange, forward: bool, chunk: usize, skip: Option<u32>) -> (Vec<u32>, usize) {
    let lists: Vec<Vec<String>> = streams
        .iter()
        .map(|s| {
            let mut v: Vec<String> = s.iter().map(|n| format!("{n:06}")).collect();
            v.sort();
            v
        })
        .collect();
    let read = |i: usize, r: IdRange, limit: usize| {
        let mut ids: Vec<String> = lists[i].iter().filter(|id| r.contains(id)).cloned().collect();
        if !forward {
            ids.reverse();
        }
        let done = ids.len() <= limit;
        ids.truncate(limit);
        std::future::ready(Ok::<_, ()>((ids, done)))
    };
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut join = Join::new(streams.len(), read, range, forward, chunk, skip.map(|s| format!("{s:06}")));
    let mut out = Vec::new();
    while let Some(id) = rt.block_on(join.next()).unwrap() {
        out.push(id.parse().unwrap());
    }
    (out, join.reads)
}

fn expected(streams: &[Vec<u32>], forward: bool) -> Vec<u32> {
    let mut v: Vec<u32> = streams[0]
        .iter()
        .copied()
        .filter(|x| streams.iter().all(|s| s.contains(x)))
        .collect();
    v.sort();
    if !forward {
        v.reverse();
    }
    v
}

#[test]
fn the_join_returns_exactly_the_ids_of_every_stream_in_either_order() {
    let cases: Vec<Vec<Vec<u32>>> = vec![
        vec![(0..500).collect()],
        vec![(0..500).filter(|x| x % 2 == 0).collect(), (0..500).filter(|x| x % 3 == 0).collect()],
        vec![
            (0..500).step_by(7).collect(),
            (0..500).collect(),
            (0..500).filter(|x| x % 5 != 0).collect(),
        ],
        vec![(0..300).filter(|x| x % 2 == 0).collect(), (0..300).filter(|x| x % 2 == 1).collect()],
        vec![vec![], (0..10).collect()],
    ];
    for streams in &cases {
        for forward in [true, false] {
            for chunk in [1, 3, 64] {
                let (got, _) = run(streams, IdRange::default(), forward, chunk, None);
                assert_eq!(got, expected(streams, forward), "forward {forward} chunk {chunk}");
            }
        }
    }
}

#[test]
fn a_rare_stream_leads_a_common_one_so_reads_follow_the_matches_not_the_account() {
    let common: Vec<u32> = (0..10_000).collect();
    let rare: Vec<u32> = vec![17, 4_000, 9_999];
    let (got, reads) = run(&[common.clone(), rare.clone()], IdRange::default(), false, 64, None);
    assert_eq!(got, [9_999, 4_000, 17]);
    assert!(reads <= 8, "{reads} reads for 3 matches in 10,000");
    // The same with the common stream ten times smaller: about the same reads.
    let (_, small) = run(&[(0..1_000).collect(), vec![17, 400, 999]], IdRange::default(), false, 64, None);
    assert!(reads <= small + 2, "{reads} vs {small}");
}

#[test]
fn a_range_and_a_skipped_cursor_bound_the_join() {
    let streams = vec![(0..100).collect::<Vec<u32>>(), (0..100).filter(|x| x % 10 == 0).collect()];
    let range = IdRange {
        lo: Some("000020".into()),
        hi: Some("000060".into()),
    };
    let (got, _) = run(&streams, range.clone(), false, 4, Some(60));
    assert_eq!(got, [50, 40, 30, 20]);
    let (got, _) = run(&streams, range, true, 4, Some(20));
    assert_eq!(got, [30, 40, 50, 60]);
}
