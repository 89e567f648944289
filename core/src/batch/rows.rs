//! A batch's rows: one video per row, its columns (CSV, with a header row) or keys (JSON Lines)
//! being the project's inputs. A row that cannot be read (a wrong number of fields, bytes that
//! are not UTF-8, a line that is not a JSON object) is a failed row, reported with its number;
//! the others go on. A column the project does not declare stops the batch before anything is
//! rendered: every row would be wrong.

use crate::project::inputs::{typed, InputValues};
use serde_json::{Map, Value};

/// What a batch's rows file may hold at most.
pub const MAX_ROWS_BYTES: u64 = 64 << 20;

/// One row: its number (1 = the first row of data) and its inputs, or why it cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub inputs: Result<InputValues, String>,
}

/// Reads `bytes` as CSV (`csv`) or JSON Lines, against the project's declared inputs (name →
/// default). `Err` when the file cannot be used at all.
pub fn read_rows(bytes: &[u8], csv: bool, declared: &Map<String, Value>) -> Result<Vec<Row>, String> {
    let known = || declared.keys().cloned().collect::<Vec<_>>().join(", ");
    if !csv {
        let lines = bytes.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let rows = lines.filter(|l| !l.iter().all(u8::is_ascii_whitespace)).enumerate().map(|(i, line)| {
            let inputs = std::str::from_utf8(line)
                .map_err(|_| "it is not UTF-8 text".to_string())
                .and_then(|text| serde_json::from_str::<Value>(text).map_err(|e| format!("it is not JSON: {e}")))
                .and_then(|v| match v {
                    Value::Object(o) => Ok(o),
                    other => Err(format!("it must be a JSON object of inputs, not {other}")),
                })
                .and_then(|o| match o.keys().find(|k| !declared.contains_key(*k)) {
                    Some(k) => Err(format!("{k:?} is not an input of the project (it declares: {})", known())),
                    None => Ok(o),
                });
            Row { number: i + 1, inputs }
        });
        return Ok(rows.collect());
    }
    let mut records = csv_records(bytes).into_iter();
    let header = records.next().ok_or("the CSV file is empty: its first row names the inputs")?;
    let header: Vec<String> = header
        .into_iter()
        .map(|f| String::from_utf8(f).map_err(|_| "the CSV header is not UTF-8 text".to_string()))
        .collect::<Result<_, _>>()?;
    let header: Vec<String> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect();
    for h in &header {
        if !declared.contains_key(h) {
            return Err(format!("the CSV column {h:?} is not an input of the project (it declares: {})", known()));
        }
    }
    let rows = records.enumerate().map(|(i, fields)| {
        let inputs = if fields.len() != header.len() {
            Err(format!("it has {} fields, the header has {}", fields.len(), header.len()))
        } else {
            fields
                .into_iter()
                .zip(&header)
                .map(|(f, h)| {
                    let text = String::from_utf8(f).map_err(|_| format!("its {h:?} is not UTF-8 text"))?;
                    Ok((h.clone(), typed(&text, declared.get(h))))
                })
                .collect::<Result<InputValues, String>>()
        };
        Row { number: i + 1, inputs }
    });
    Ok(rows.collect())
}

/// The records of a CSV file (RFC 4180: fields split by commas, records by CRLF or LF, quoted
/// fields may hold commas, line breaks and doubled quotes), blank lines left out. Fields stay
/// bytes: a record that is not UTF-8 fails alone.
fn csv_records(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), Vec::new());
    let (mut quoted, mut i) = (false, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => {
                    field.push(b'"');
                    i += 1;
                }
                b'"' => quoted = false,
                _ => field.push(b),
            }
        } else {
            match b {
                b'"' if field.is_empty() => quoted = true,
                b',' => record.push(std::mem::take(&mut field)),
                b'\n' | b'\r' => {
                    if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    record.push(std::mem::take(&mut field));
                    if !(record.len() == 1 && record[0].is_empty()) {
                        records.push(std::mem::take(&mut record));
                    }
                    record.clear();
                }
                _ => field.push(b),
            }
        }
        i += 1;
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declared() -> Map<String, Value> {
        json!({ "name": "World", "count": 1 }).as_object().unwrap().clone()
    }

    #[test]
    fn csv_rows_are_read_with_quotes_and_typed_by_their_defaults() {
        let csv = b"name,count\r\nAda,3\n\"Lovelace, Ada\",\"4\"\n\n\"say \"\"hi\"\"\",x\n";
        let rows = read_rows(csv, true, &declared()).unwrap();
        let inputs: Vec<_> = rows.iter().map(|r| r.inputs.clone().unwrap()).collect();
        assert_eq!(inputs[0], *json!({ "name": "Ada", "count": 3 }).as_object().unwrap());
        assert_eq!(inputs[1], *json!({ "name": "Lovelace, Ada", "count": 4 }).as_object().unwrap());
        assert_eq!(inputs[2], *json!({ "name": "say \"hi\"", "count": "x" }).as_object().unwrap());
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn a_bad_row_fails_alone_and_an_unknown_column_stops_the_batch() {
        let rows = read_rows(b"name,count\nAda,1,extra\nBob,2\n\xff\xfe,3\n", true, &declared()).unwrap();
        assert_eq!(rows[0].inputs, Err("it has 3 fields, the header has 2".into()));
        assert!(rows[1].inputs.is_ok());
        assert_eq!(rows[2].inputs, Err("its \"name\" is not UTF-8 text".into()));
        let e = read_rows(b"name,colour\nAda,red\n", true, &declared()).unwrap_err();
        assert_eq!(e, "the CSV column \"colour\" is not an input of the project (it declares: count, name)");
        assert!(read_rows(b"", true, &declared()).is_err());
    }

    #[test]
    fn json_lines_keep_their_types() {
        let rows = read_rows(b"{\"name\":\"Ada\",\"count\":2}\n\n[1]\n{\"nope\":1}\n", false, &declared()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].inputs, Ok(json!({ "name": "Ada", "count": 2 }).as_object().unwrap().clone()));
        assert!(rows[1].inputs.as_ref().unwrap_err().contains("JSON object"));
        assert!(rows[2].inputs.as_ref().unwrap_err().contains("\"nope\" is not an input"));
    }
}
