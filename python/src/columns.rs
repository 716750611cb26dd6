//! Output rows to DataFrame columns without CSV text: the library's row
//! structs (the ones its CSV writers serialize) go through a small serde
//! serializer that records each field, so column names, their order and the
//! values are the CSV's, field for field. Column types follow what
//! `pandas.read_csv` makes of the CSV: integers stay `int64` (`uint64` when
//! a value is above `i64::MAX`), integers with empty cells become `float64`
//! with NaN, floats are `float64` (NaN where empty), strings `object`.

use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt;

/// One serialized field value.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    None,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
}

/// A column ready for Python: numeric data as little-endian bytes for
/// `numpy.frombuffer`, strings as a list.
pub enum ColumnData {
    /// `float64`; missing values are NaN.
    F64(Vec<u8>),
    I64(Vec<u8>),
    U64(Vec<u8>),
    Bool(Vec<u8>),
    /// `object`; `None` where missing.
    Str(Vec<Option<String>>),
}

impl ColumnData {
    /// The numpy dtype (`"<f8"`, ...) or `"str"`.
    pub fn dtype(&self) -> &'static str {
        match self {
            ColumnData::F64(_) => "<f8",
            ColumnData::I64(_) => "<i8",
            ColumnData::U64(_) => "<u8",
            ColumnData::Bool(_) => "?",
            ColumnData::Str(_) => "str",
        }
    }
}

/// Columns collected row by row.
#[derive(Default)]
pub struct Columns {
    names: Vec<String>,
    cells: Vec<Vec<Cell>>,
    rows: usize,
}

impl Columns {
    /// Collects `rows` (structs with the same fields in the same order).
    pub fn of<T: Serialize>(rows: impl IntoIterator<Item = T>) -> Result<Columns, ColError> {
        let mut c = Columns::default();
        for r in rows {
            r.serialize(RowSer { cols: &mut c, i: 0 })?;
            c.rows += 1;
        }
        Ok(c)
    }

    /// The columns in field order, typed as described in the module doc.
    pub fn finish(self) -> Vec<(String, ColumnData)> {
        self.names
            .into_iter()
            .zip(self.cells)
            .map(|(n, cells)| (n, typed(&cells)))
            .collect()
    }
}

fn typed(cells: &[Cell]) -> ColumnData {
    let some = || cells.iter().filter(|c| **c != Cell::None);
    let missing = cells.contains(&Cell::None);
    let f64s = |f: &dyn Fn(&Cell) -> f64| {
        ColumnData::F64(cells.iter().flat_map(|c| f(c).to_le_bytes()).collect())
    };
    let as_f64 = |c: &Cell| match c {
        Cell::I64(v) => *v as f64,
        Cell::U64(v) => *v as f64,
        Cell::F64(v) => *v,
        Cell::Bool(b) => f64::from(u8::from(*b)),
        Cell::None | Cell::Str(_) => f64::NAN,
    };
    if some().any(|c| matches!(c, Cell::Str(_))) {
        return ColumnData::Str(
            cells
                .iter()
                .map(|c| match c {
                    Cell::None => None,
                    Cell::Str(s) => Some(s.clone()),
                    Cell::Bool(b) => Some(b.to_string()),
                    Cell::I64(v) => Some(v.to_string()),
                    Cell::U64(v) => Some(v.to_string()),
                    Cell::F64(v) => Some(v.to_string()),
                })
                .collect(),
        );
    }
    if some().next().is_none() || missing || some().any(|c| matches!(c, Cell::F64(_))) {
        return f64s(&as_f64);
    }
    if some().all(|c| matches!(c, Cell::Bool(_))) {
        return ColumnData::Bool(
            cells
                .iter()
                .map(|c| u8::from(*c == Cell::Bool(true)))
                .collect(),
        );
    }
    let big = some().any(|c| matches!(c, Cell::U64(v) if *v > i64::MAX as u64));
    if big {
        ColumnData::U64(
            cells
                .iter()
                .flat_map(|c| match c {
                    Cell::U64(v) => v.to_le_bytes(),
                    Cell::I64(v) => (*v as u64).to_le_bytes(),
                    _ => 0u64.to_le_bytes(),
                })
                .collect(),
        )
    } else {
        ColumnData::I64(
            cells
                .iter()
                .flat_map(|c| match c {
                    Cell::U64(v) => (*v as i64).to_le_bytes(),
                    Cell::I64(v) => v.to_le_bytes(),
                    Cell::Bool(b) => i64::from(*b).to_le_bytes(),
                    _ => 0i64.to_le_bytes(),
                })
                .collect(),
        )
    }
}

/// A row that is not a flat struct of scalars.
#[derive(Debug)]
pub struct ColError(String);

impl fmt::Display for ColError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ColError {}

impl ser::Error for ColError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ColError(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, ColError> {
    Err(ColError(format!("a table cell cannot be {what}")))
}

/// Serializes one row (a struct) into the columns.
struct RowSer<'a> {
    cols: &'a mut Columns,
    i: usize,
}

impl ser::SerializeStruct for RowSer<'_> {
    type Ok = ();
    type Error = ColError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ColError> {
        let cell = value.serialize(CellSer)?;
        let c = &mut *self.cols;
        if c.rows == 0 {
            c.names.push(key.to_string());
            c.cells.push(Vec::new());
        } else if c.names.get(self.i).map(String::as_str) != Some(key) {
            return Err(ColError(format!(
                "row {} has field {key:?} where the first row has {:?}",
                c.rows,
                c.names.get(self.i)
            )));
        }
        c.cells[self.i].push(cell);
        self.i += 1;
        Ok(())
    }

    fn end(self) -> Result<(), ColError> {
        if self.i != self.cols.names.len() {
            return Err(ColError(format!(
                "row {} has {} fields, the first row {}",
                self.cols.rows,
                self.i,
                self.cols.names.len()
            )));
        }
        Ok(())
    }
}

macro_rules! no_compound {
    () => {
        type SerializeSeq = Impossible<Self::Ok, ColError>;
        type SerializeTuple = Impossible<Self::Ok, ColError>;
        type SerializeTupleStruct = Impossible<Self::Ok, ColError>;
        type SerializeTupleVariant = Impossible<Self::Ok, ColError>;
        type SerializeMap = Impossible<Self::Ok, ColError>;
        type SerializeStructVariant = Impossible<Self::Ok, ColError>;

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ColError> {
            unsupported("a sequence")
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ColError> {
            unsupported("a tuple")
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, ColError> {
            unsupported("a tuple struct")
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, ColError> {
            unsupported("a tuple variant")
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ColError> {
            unsupported("a map")
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, ColError> {
            unsupported("a struct variant")
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok, ColError> {
            unsupported("a newtype variant")
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<Self::Ok, ColError> {
            unsupported("bytes")
        }
    };
}

impl<'a> ser::Serializer for RowSer<'a> {
    type Ok = ();
    type Error = ColError;
    type SerializeStruct = RowSer<'a>;
    no_compound!();

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<RowSer<'a>, ColError> {
        Ok(self)
    }
    fn serialize_bool(self, _: bool) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_i8(self, _: i8) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_i16(self, _: i16) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_i32(self, _: i32) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_i64(self, _: i64) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_u8(self, _: u8) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_u16(self, _: u16) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_u32(self, _: u32) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_u64(self, _: u64) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_f32(self, _: f32) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_f64(self, _: f64) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_char(self, _: char) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_str(self, _: &str) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_none(self) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), ColError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), ColError> {
        unsupported("a row")
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), ColError> {
        v.serialize(self)
    }
}

/// Serializes one field value into a [`Cell`].
struct CellSer;

impl ser::Serializer for CellSer {
    type Ok = Cell;
    type Error = ColError;
    type SerializeStruct = Impossible<Cell, ColError>;
    no_compound!();

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, ColError> {
        unsupported("a struct")
    }
    fn serialize_bool(self, v: bool) -> Result<Cell, ColError> {
        Ok(Cell::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Cell, ColError> {
        Ok(Cell::I64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Cell, ColError> {
        Ok(Cell::I64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Cell, ColError> {
        Ok(Cell::I64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Cell, ColError> {
        Ok(Cell::I64(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Cell, ColError> {
        Ok(Cell::U64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Cell, ColError> {
        Ok(Cell::U64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Cell, ColError> {
        Ok(Cell::U64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Cell, ColError> {
        Ok(Cell::U64(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Cell, ColError> {
        Ok(Cell::F64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Cell, ColError> {
        Ok(Cell::F64(v))
    }
    fn serialize_char(self, v: char) -> Result<Cell, ColError> {
        Ok(Cell::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Cell, ColError> {
        Ok(Cell::Str(v.to_string()))
    }
    fn serialize_none(self) -> Result<Cell, ColError> {
        Ok(Cell::None)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Cell, ColError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Cell, ColError> {
        Ok(Cell::None)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Cell, ColError> {
        Ok(Cell::None)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Cell, ColError> {
        Ok(Cell::Str(variant.to_string()))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Cell, ColError> {
        v.serialize(self)
    }
}
