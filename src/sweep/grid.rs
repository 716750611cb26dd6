//! The points of a sweep: parameters with their values, combined as a grid
//! (Cartesian product, first parameter slowest) or zipped (position by
//! position). A point is an index; its values are computed, never stored, so
//! a million-point grid costs no memory.

use super::spec::SweepMode;
use super::values::cell;
use crate::scenario::Override;
use serde::Serialize;
use toml::Value;

/// The most points a sweep may have.
pub const MAX_POINTS: u64 = 10_000_000;

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// The dotted path as the user wrote it; also the column name.
    pub key: String,
    /// The path's segments.
    #[serde(skip)]
    pub path: Vec<String>,
    /// The values, in order.
    pub values: Vec<Value>,
}

/// The parameters and how they combine.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub mode: SweepMode,
    pub params: Vec<Param>,
}

impl Grid {
    /// Checks the shape (no empty lists, no key twice, equal lengths when
    /// zipped, not too many points). Errors name the parameter.
    pub fn new(mode: SweepMode, params: Vec<Param>) -> Result<Grid, (String, String)> {
        for (i, p) in params.iter().enumerate() {
            if p.values.is_empty() {
                return Err((p.key.clone(), "the list of values is empty".into()));
            }
            if params[..i].iter().any(|q| q.key == p.key) {
                return Err((p.key.clone(), "is swept twice".into()));
            }
        }
        if mode == SweepMode::Zip
            && let Some(first) = params.first()
            && let Some(odd) = params.iter().find(|p| p.values.len() != first.values.len())
        {
            let lens: Vec<String> = params
                .iter()
                .map(|p| format!("{} has {}", p.key, p.values.len()))
                .collect();
            return Err((
                odd.key.clone(),
                format!("zip needs lists of the same length: {}", lens.join(", ")),
            ));
        }
        let grid = Grid { mode, params };
        match grid.count_points() {
            Some(n) if n <= MAX_POINTS => Ok(grid),
            n => Err((
                String::new(),
                format!(
                    "the sweep has {} points; at most {MAX_POINTS}",
                    n.map_or("more than 2^64".to_string(), |n| n.to_string())
                ),
            )),
        }
    }

    fn count_points(&self) -> Option<u64> {
        match self.mode {
            SweepMode::Zip => Some(self.params.first().map_or(1, |p| p.values.len() as u64)),
            SweepMode::Grid => self
                .params
                .iter()
                .try_fold(1u64, |acc, p| acc.checked_mul(p.values.len() as u64)),
        }
    }

    /// Number of points (1 when nothing is swept).
    pub fn points(&self) -> u64 {
        self.count_points()
            .expect("Grid::new checked that the count fits")
    }

    /// The column names of the swept parameters.
    pub fn keys(&self) -> Vec<String> {
        self.params.iter().map(|p| p.key.clone()).collect()
    }

    /// The value index of each parameter at `point`.
    pub fn indices(&self, point: u64) -> Vec<usize> {
        match self.mode {
            SweepMode::Zip => vec![point as usize; self.params.len()],
            SweepMode::Grid => {
                let mut rest = point;
                let mut idx = vec![0; self.params.len()];
                for (i, p) in self.params.iter().enumerate().rev() {
                    let n = p.values.len() as u64;
                    idx[i] = (rest % n) as usize;
                    rest /= n;
                }
                idx
            }
        }
    }

    /// The values of `point`, one per parameter.
    pub fn values(&self, point: u64) -> Vec<&Value> {
        self.params
            .iter()
            .zip(self.indices(point))
            .map(|(p, i)| &p.values[i])
            .collect()
    }

    /// The CSV cells of `point`, one per parameter.
    pub fn cells(&self, point: u64) -> Vec<String> {
        self.values(point).into_iter().map(cell).collect()
    }

    /// `point` as scenario overrides.
    pub fn overrides(&self, point: u64) -> Vec<Override> {
        self.params
            .iter()
            .zip(self.values(point))
            .map(|(p, v)| Override {
                path: p.path.clone(),
                value: v.clone(),
                text: format!("{}={}", p.key, cell(v)),
            })
            .collect()
    }

    /// `point` as `key=value, ...`, for messages.
    pub fn describe(&self, point: u64) -> String {
        self.overrides(point)
            .iter()
            .map(|o| o.text.clone())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(key: &str, values: &[i64]) -> Param {
        Param {
            key: key.into(),
            path: key.split('.').map(str::to_string).collect(),
            values: values.iter().map(|&v| Value::Integer(v)).collect(),
        }
    }

    #[test]
    fn grid_is_row_major_first_parameter_slowest() {
        let g = Grid::new(
            SweepMode::Grid,
            vec![param("a", &[1, 2]), param("b", &[10, 20, 30])],
        )
        .unwrap();
        assert_eq!(g.points(), 6);
        let all: Vec<Vec<String>> = (0..6).map(|p| g.cells(p)).collect();
        assert_eq!(
            all,
            [
                ["1", "10"],
                ["1", "20"],
                ["1", "30"],
                ["2", "10"],
                ["2", "20"],
                ["2", "30"]
            ]
        );
        assert_eq!(g.describe(4), "a=2, b=20");
    }

    #[test]
    fn zip_pairs_by_position() {
        let g = Grid::new(
            SweepMode::Zip,
            vec![param("a", &[1, 2, 3]), param("b", &[10, 20, 30])],
        )
        .unwrap();
        assert_eq!(g.points(), 3);
        assert_eq!(g.cells(2), ["3", "30"]);
    }

    #[test]
    fn nothing_swept_is_one_point() {
        let g = Grid::new(SweepMode::Grid, vec![]).unwrap();
        assert_eq!(g.points(), 1);
        assert!(g.cells(0).is_empty());
    }

    #[test]
    fn bad_shapes_are_named() {
        let e = Grid::new(SweepMode::Zip, vec![param("a", &[1, 2]), param("b", &[1])]).unwrap_err();
        assert_eq!(e.0, "b");
        assert!(e.1.contains("a has 2, b has 1"), "{}", e.1);
        let e = Grid::new(SweepMode::Grid, vec![param("a", &[])]).unwrap_err();
        assert!(e.1.contains("empty"));
        let e = Grid::new(SweepMode::Grid, vec![param("a", &[1]), param("a", &[2])]).unwrap_err();
        assert!(e.1.contains("twice"));
        let big: Vec<i64> = (0..1000).collect();
        let e = Grid::new(
            SweepMode::Grid,
            vec![param("a", &big), param("b", &big), param("c", &big)],
        )
        .unwrap_err();
        assert!(e.1.contains("at most"), "{}", e.1);
    }
}
