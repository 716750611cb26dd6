//! Render: SKELETON, being written (issue 4). Serves nothing yet.

use super::{Ctx, admit};
use crate::engine::Streams;
use crate::model::NodeId;
use crate::model::demand::JobDraw;
use crate::scenario::Scenario;

/// The Render market.
pub struct Render {}

impl Render {
    pub fn new(_sc: &Scenario, _streams: &Streams) -> Self {
        Self {}
    }
    pub fn submit(&mut self, ctx: &mut Ctx, w: usize, _draw: JobDraw) {
        let _ = admit(ctx, w, 0);
    }
    pub fn node_down(&mut self, _ctx: &mut Ctx, _node: NodeId) {}
    pub fn node_up(&mut self, _ctx: &mut Ctx, _node: NodeId) {}
    pub fn job_end(&mut self, _ctx: &mut Ctx, _slot: u32) {}
    pub fn timer(&mut self, _ctx: &mut Ctx, _tag: u8, _a: u32, _b: u32) {}
    pub fn queue_len(&self) -> usize {
        0
    }
    pub fn finish(&mut self, _ctx: &mut Ctx) {}
}
