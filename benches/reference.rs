//! The exported reference model's `apply` (`ModelState::step`), in inputs per second: property
//! suites step it once per generated action, so it must never be their bottleneck (issue 5:
//! at least 2 million inputs per second on one core). Needs `--features reference-model`.

use std::hint::black_box;

use authsim::explore::SmallWorld;
use authsim::reference::{Action, ModelState, strategies};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

/// 200 generated sequences of 50 actions each, the same on every run.
fn sequences() -> Vec<Vec<Action>> {
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(7),
        ..Config::default()
    });
    let strategy = strategies::actions(SmallWorld::default(), 50..=50);
    (0..200)
        .map(|_| strategy.new_tree(&mut runner).expect("generates").current())
        .collect()
}

fn apply(c: &mut Criterion) {
    let seqs = sequences();
    let total: usize = seqs.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("reference");
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("apply", |b| {
        b.iter(|| {
            for seq in &seqs {
                let mut s = ModelState::new(SmallWorld::default());
                for a in seq {
                    s.step(a);
                }
                black_box(&s);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, apply);
criterion_main!(benches);
