//! Splits arithmetic expressions such as "2 * (width + 10)" into tokens.

pub enum Token {
    Num(i64),
    Ident(String),
    Op(char),
    LParen,
    RParen,
}

pub fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;

    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = text.parse().map_err(|_| format!("number too large: {}", text))?;
            tokens.push(Token::Num(n));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            tokens.push(match c {
                '+' | '-' | '*' | '/' => Token::Op(c),
                '(' => Token::LParen,
                ')' => Token::RParen,
                _ => return Err(format!("unexpected '{}' at {}", c, i)),
            });
            i += 1;
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::Token::*;
    use super::*;

    #[test]
    fn expression() {
        assert_eq!(
            tokenize("2 * (width + 10)").unwrap(),
            vec![Num(2), Op('*'), LParen, Ident("width".to_string()), Op('+'), Num(10), RParen]
        );
    }

    #[test]
    fn empty() {
        assert_eq!(tokenize("  ").unwrap(), vec![]);
    }

    #[test]
    fn errors() {
        assert_eq!(tokenize("3 $ 4").err(), Some("unexpected '$' at 2".to_string()));
        assert!(tokenize("99999999999999999999").is_err());
    }
}
