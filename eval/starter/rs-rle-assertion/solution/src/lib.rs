//! Run-length encoding for the game's level files: "aaab" <-> "3a1b".

/// Encodes each run of a character as its length and the character.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    let mut run: Option<(char, usize)> = None;

    for c in s.chars() {
        run = match run {
            Some((prev, n)) if prev == c => Some((prev, n + 1)),
            Some((prev, n)) => {
                out.push_str(&format!("{}{}", n, prev));
                Some((c, 1))
            }
            None => Some((c, 1)),
        };
    }
    if let Some((prev, n)) = run {
        out.push_str(&format!("{}{}", n, prev));
    }
    out
}

/// The inverse of `encode`.
pub fn decode(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut count = String::new();

    for c in s.chars() {
        if c.is_ascii_digit() {
            count.push(c);
            continue;
        }
        let n: usize = count.parse().map_err(|_| format!("no count before '{}'", c))?;
        out.extend(std::iter::repeat(c).take(n));
        count.clear();
    }
    if !count.is_empty() {
        return Err(format!("count {} without a character", count));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_runs() {
        assert_eq!(encode("aaabcc"), "3a1b2c");
        assert_eq!(encode("x"), "1x");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn decodes_runs() {
        assert_eq!(decode("3a1b2c"), Ok("aaabcc".to_string()));
        assert_eq!(decode("12#"), Ok("############".to_string()));
        assert!(decode("a").is_err());
        assert!(decode("3").is_err());
    }

    #[test]
    fn round_trip() {
        let level = "##########\n#....@...#\n##########\n";
        assert_eq!(decode(&encode(level)).unwrap(), level);
    }
}
