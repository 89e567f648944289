//! A script's written word as it is said: "42" is "forty two", "1990" "nineteen ninety" (or
//! "one thousand nine hundred ninety"), "3.5" "three point five", "21st" "twenty first", "50%"
//! "fifty percent", "$5" "five dollars", "R&D" "r and d". The aligner listens for the spoken
//! words; the output keeps the word as written.

/// The ways `written` may be said, each a list of lower-case words; empty when there is nothing
/// to say (punctuation alone, such as "—").
pub fn forms(written: &str) -> Vec<Vec<String>> {
    let word: String = written.chars().map(|c| if matches!(c, '’' | '‘' | 'ʼ') { '\'' } else { c }).collect();
    let word = word.trim_matches(|c: char| !c.is_alphanumeric() && symbol(c).is_none() && c != '$');
    let mut alternatives: Vec<Vec<String>> = vec![Vec::new()];
    let mut currency: Option<(&str, &str)> = None;
    for piece in pieces(word) {
        let said: Vec<Vec<String>> = match piece {
            Piece::Letters(l) => {
                let l = l.to_lowercase();
                if l.contains('-') {
                    vec![vec![l.clone()], l.split('-').filter(|s| !s.is_empty()).map(str::to_string).collect()]
                } else {
                    vec![vec![l]]
                }
            }
            Piece::Number(n) => {
                let mut said = number(n);
                if let Some((one, many)) = currency.take() {
                    let unit = if n == "1" { one } else { many };
                    said.iter_mut().for_each(|s| s.push(unit.to_string()));
                }
                said
            }
            Piece::Symbol('$') => {
                currency = Some(("dollar", "dollars"));
                continue;
            }
            Piece::Symbol(c) => match symbol(c) {
                Some(s) => vec![s.split(' ').map(str::to_string).collect()],
                None => continue,
            },
        };
        alternatives = alternatives
            .iter()
            .flat_map(|a| said.iter().map(move |s| a.iter().chain(s).cloned().collect::<Vec<_>>()))
            .take(8)
            .collect();
    }
    alternatives.retain(|a| !a.is_empty());
    alternatives
}

/// A symbol said as a word (the currencies come after their number).
fn symbol(c: char) -> Option<&'static str> {
    Some(match c {
        '%' => "percent",
        '&' => "and",
        '+' => "plus",
        '@' => "at",
        '=' => "equals",
        '#' => "number",
        '€' => "euros",
        '£' => "pounds",
        '°' => "degrees",
        _ => return None,
    })
}

enum Piece<'a> {
    Letters(&'a str),
    /// Digits, with a decimal point or thousands commas, and an ordinal suffix ("21st").
    Number(&'a str),
    Symbol(char),
}

/// `word` cut into letters (with inner apostrophes and hyphens), numbers and symbols.
fn pieces(word: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(c) = rest.chars().next() {
        let take = |f: &dyn Fn(char, &str) -> bool| {
            rest.char_indices().find(|&(i, ch)| i > 0 && !f(ch, &rest[i..])).map_or(rest.len(), |(i, _)| i)
        };
        let (piece, len) = if c.is_ascii_digit() {
            let digits = |ch: char, after: &str| {
                ch.is_ascii_digit()
                    || (matches!(ch, ',' | '.' | ':') && after[1..].starts_with(|d: char| d.is_ascii_digit()))
            };
            let mut len = take(&digits);
            let suffix = rest[len..].to_ascii_lowercase();
            if ["st", "nd", "rd", "th"].iter().any(|s| suffix.starts_with(s))
                && !rest[len + 2..].starts_with(char::is_alphanumeric)
            {
                len += 2;
            }
            (Piece::Number(&rest[..len]), len)
        } else if c.is_alphabetic() {
            let letters = |ch: char, after: &str| {
                ch.is_alphabetic() || (matches!(ch, '\'' | '-') && after[1..].starts_with(|d: char| d.is_alphabetic()))
            };
            let len = take(&letters);
            (Piece::Letters(&rest[..len]), len)
        } else {
            (Piece::Symbol(c), c.len_utf8())
        };
        out.push(piece);
        rest = &rest[len..];
    }
    out
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// A number's spoken forms (digits with commas, a decimal point, a time "9:30", an ordinal).
fn number(n: &str) -> Vec<Vec<String>> {
    let lower = n.to_ascii_lowercase();
    let ordinal = ["st", "nd", "rd", "th"].iter().any(|s| lower.ends_with(s));
    let digits = if ordinal { &n[..n.len() - 2] } else { n };
    let to_words = |s: &str| s.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect::<Vec<_>>();
    if let Some((h, m)) = digits.split_once(':') {
        let (Ok(h), Ok(m)) = (h.parse::<u64>(), m.parse::<u64>()) else { return vec![] };
        let minutes = match m {
            0 => "o'clock".to_string(),
            1..=9 => format!("oh {}", cardinal(m)),
            _ => cardinal(m),
        };
        return vec![to_words(&format!("{} {minutes}", cardinal(h))), to_words(&cardinal(h)), to_words(&cardinal(m))]
            .into_iter()
            .take(if m == 0 { 2 } else { 1 })
            .collect();
    }
    if let Some((whole, fraction)) = digits.split_once('.') {
        let Ok(w) = whole.replace(',', "").parse::<u64>() else { return vec![] };
        let after: Vec<&str> =
            fraction.chars().filter_map(|d| d.to_digit(10)).map(|d| ONES[d as usize]).collect::<Vec<_>>();
        return vec![to_words(&format!("{} point {}", cardinal(w), after.join(" ")))];
    }
    let Ok(value) = digits.replace(',', "").parse::<u64>() else {
        // Too long for a number: said digit by digit.
        return vec![digits.chars().filter_map(|d| d.to_digit(10)).map(|d| ONES[d as usize].to_string()).collect()];
    };
    let mut out = vec![to_words(&cardinal(value))];
    if !digits.contains(',') {
        if let Some(year) = year(value) {
            out.insert(0, to_words(&year));
        }
    }
    if ordinal {
        for said in &mut out {
            if let Some(last) = said.last_mut() {
                *last = ordinal_of(last);
            }
        }
    }
    out
}

/// 1100–1999 and 2010–2099 as years are said in pairs: "nineteen ninety", "twenty twenty four".
fn year(n: u64) -> Option<String> {
    if !(1100..=1999).contains(&n) && !(2010..=2099).contains(&n) {
        return None;
    }
    let (high, low) = (n / 100, n % 100);
    Some(match low {
        0 => format!("{} hundred", cardinal(high)),
        1..=9 => format!("{} oh {}", cardinal(high), cardinal(low)),
        _ => format!("{} {}", cardinal(high), cardinal(low)),
    })
}

/// `n` in words, American style ("one hundred five", "two thousand twenty four").
pub fn cardinal(n: u64) -> String {
    const SCALES: [(u64, &str); 4] =
        [(1_000_000_000_000, "trillion"), (1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")];
    if n < 20 {
        return ONES[n as usize].into();
    }
    if n < 100 {
        let tens = TENS[(n / 10) as usize];
        return if n.is_multiple_of(10) { tens.into() } else { format!("{tens} {}", ONES[(n % 10) as usize]) };
    }
    if n < 1000 {
        let rest = if n.is_multiple_of(100) { String::new() } else { format!(" {}", cardinal(n % 100)) };
        return format!("{} hundred{rest}", ONES[(n / 100) as usize]);
    }
    for (scale, name) in SCALES {
        if n >= scale {
            let rest = if n.is_multiple_of(scale) { String::new() } else { format!(" {}", cardinal(n % scale)) };
            return format!("{} {name}{rest}", cardinal(n / scale));
        }
    }
    unreachable!("n ≥ 1000 meets a scale")
}

fn ordinal_of(word: &str) -> String {
    match word {
        "one" => "first".into(),
        "two" => "second".into(),
        "three" => "third".into(),
        "five" => "fifth".into(),
        "eight" => "eighth".into(),
        "nine" => "ninth".into(),
        "twelve" => "twelfth".into(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(w: &str) -> Vec<String> {
        forms(w).iter().map(|f| f.join(" ")).collect()
    }

    #[test]
    fn numbers_and_symbols_are_said_as_words() {
        assert_eq!(said("42"), ["forty two"]);
        assert_eq!(said("42,"), ["forty two"]);
        assert_eq!(said("1,250"), ["one thousand two hundred fifty"]);
        assert_eq!(said("1990"), ["nineteen ninety", "one thousand nine hundred ninety"]);
        assert_eq!(said("2024."), ["twenty twenty four", "two thousand twenty four"]);
        assert_eq!(said("2005"), ["two thousand five"]);
        assert_eq!(said("3.5"), ["three point five"]);
        assert_eq!(said("21st"), ["twenty first"]);
        assert_eq!(said("12th"), ["twelfth"]);
        assert_eq!(said("50%"), ["fifty percent"]);
        assert_eq!(said("$5"), ["five dollars"]);
        assert_eq!(said("$1"), ["one dollar"]);
        assert_eq!(said("&"), ["and"]);
        assert_eq!(said("R&D"), ["r and d"]);
        assert_eq!(said("9:30"), ["nine thirty"]);
        assert_eq!(said("100"), ["one hundred"]);
        assert_eq!(said("7000000"), ["seven million"]);
    }

    #[test]
    fn words_keep_their_letters_and_lose_their_punctuation() {
        assert_eq!(said("\"Hello,"), ["hello"]);
        assert_eq!(said("Don’t"), ["don't"]);
        assert_eq!(said("well-known"), ["well-known", "well known"]);
        assert!(forms("—").is_empty() && forms("...").is_empty());
    }
}
