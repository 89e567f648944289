//! Where each value of a JSON text is (byte offsets), for editing one in place.

pub struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

pub enum Kind {
    /// (key, key's start, value)
    Object(Vec<(String, usize, Node)>),
    Array(Vec<Node>),
    Scalar,
}

impl Node {
    pub fn member(&self, key: &str) -> Option<&Node> {
        self.member_entry(key).map(|(_, v)| v)
    }
    pub fn member_entry(&self, key: &str) -> Option<(usize, &Node)> {
        match &self.kind {
            Kind::Object(m) => m.iter().rev().find(|(k, _, _)| k == key).map(|(_, at, v)| (*at, v)),
            _ => None,
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Array(items) => items,
            _ => &[],
        }
    }
    pub fn keys(&self) -> Vec<String> {
        match &self.kind {
            Kind::Object(m) => m.iter().map(|(k, _, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }
    pub fn last_member_end(&self) -> Option<usize> {
        match &self.kind {
            Kind::Object(m) => m.last().map(|(_, _, v)| v.end),
            _ => None,
        }
    }
    pub fn first_member_start(&self) -> Option<usize> {
        match &self.kind {
            Kind::Object(m) => m.first().map(|(_, at, _)| *at),
            _ => None,
        }
    }
}

pub fn parse(text: &str) -> Option<Node> {
    let b = text.as_bytes();
    let mut p = 0;
    let node = value(b, &mut p, 0)?;
    ws(b, &mut p);
    (p == b.len()).then_some(node)
}

fn ws(b: &[u8], p: &mut usize) {
    while *p < b.len() && b[*p].is_ascii_whitespace() {
        *p += 1;
    }
}

fn string(b: &[u8], p: &mut usize) -> Option<String> {
    let start = *p;
    if b.get(*p) != Some(&b'"') {
        return None;
    }
    *p += 1;
    while *p < b.len() {
        match b[*p] {
            b'\\' => *p += 2,
            b'"' => {
                *p += 1;
                return serde_json::from_slice(&b[start..*p]).ok();
            }
            _ => *p += 1,
        }
    }
    None
}

/// After a member or an item: past a comma (false, more follow) or past `close` (true, the
/// object or array ends); None for anything else.
fn ends(b: &[u8], p: &mut usize, close: u8) -> Option<bool> {
    ws(b, p);
    let c = *b.get(*p)?;
    *p += 1;
    match c {
        b',' => Some(false),
        c if c == close => Some(true),
        _ => None,
    }
}

fn value(b: &[u8], p: &mut usize, depth: usize) -> Option<Node> {
    if depth > 128 {
        return None;
    }
    ws(b, p);
    let start = *p;
    match *b.get(*p)? {
        b'{' => {
            *p += 1;
            let mut members = Vec::new();
            ws(b, p);
            if b.get(*p) == Some(&b'}') {
                *p += 1;
                return Some(Node { start, end: *p, kind: Kind::Object(members) });
            }
            loop {
                ws(b, p);
                let at = *p;
                let key = string(b, p)?;
                ws(b, p);
                (b.get(*p) == Some(&b':')).then_some(())?;
                *p += 1;
                let v = value(b, p, depth + 1)?;
                members.push((key, at, v));
                if ends(b, p, b'}')? {
                    return Some(Node { start, end: *p, kind: Kind::Object(members) });
                }
            }
        }
        b'[' => {
            *p += 1;
            let mut items = Vec::new();
            ws(b, p);
            if b.get(*p) == Some(&b']') {
                *p += 1;
                return Some(Node { start, end: *p, kind: Kind::Array(items) });
            }
            loop {
                items.push(value(b, p, depth + 1)?);
                if ends(b, p, b']')? {
                    return Some(Node { start, end: *p, kind: Kind::Array(items) });
                }
            }
        }
        b'"' => {
            string(b, p)?;
            Some(Node { start, end: *p, kind: Kind::Scalar })
        }
        _ => {
            while *p < b.len() && !matches!(b[*p], b',' | b'}' | b']') && !b[*p].is_ascii_whitespace() {
                *p += 1;
            }
            (*p > start).then_some(Node { start, end: *p, kind: Kind::Scalar })
        }
    }
}
