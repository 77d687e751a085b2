use crate::cli::GlobalArgs;
use crate::output::{self, Printable};
use onboard_core::flow::Stage;
use serde::Serialize;

#[derive(Serialize)]
struct StageRow {
    step: usize,
    id: &'static str,
    title: &'static str,
    summary: &'static str,
}

#[derive(Serialize)]
#[serde(transparent)]
struct Stages(Vec<StageRow>);

impl Printable for Stages {
    fn headers() -> &'static [&'static str] {
        &["STEP", "ID", "TITLE", "WHAT IT DOES"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.0
            .iter()
            .map(|s| {
                vec![
                    s.step.to_string(),
                    s.id.into(),
                    s.title.into(),
                    s.summary.into(),
                ]
            })
            .collect()
    }
}

pub fn run(global: &GlobalArgs) -> onboard_core::Result<()> {
    let rows = Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, stage)| StageRow {
            step: i + 1,
            id: stage.id(),
            title: stage.title(),
            summary: stage.summary(),
        })
        .collect();
    output::print(&Stages(rows), global.output)
}
