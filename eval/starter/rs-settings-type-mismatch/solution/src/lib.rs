//! Reads the service's "key = value" settings file.

use std::collections::HashMap;

pub struct Settings {
    values: HashMap<String, String>,
}

impl Settings {
    /// Parses "key = value" lines; blank lines and '#' comments are skipped.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let mut values = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("line {}: expected key = value", n + 1))?;
            values.insert(key.trim().to_string(), value.trim().to_string());
        }
        Ok(Settings { values })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// The "port" setting, 8080 when it is not set.
    pub fn port(&self) -> Result<u16, String> {
        match self.get("port") {
            None => Ok(8080),
            Some(v) => v.parse().map_err(|_| format!("bad port '{}'", v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# service settings\nname = billing\nport = 9000\n\nlog_level=debug\n";

    #[test]
    fn values() {
        let s = Settings::parse(TEXT).unwrap();
        assert_eq!(s.get("name"), Some("billing"));
        assert_eq!(s.get("log_level"), Some("debug"));
        assert_eq!(s.get("missing"), None);
        assert_eq!(s.get_or("region", "eu-west"), "eu-west");
        assert_eq!(s.port(), Ok(9000));
    }

    #[test]
    fn port() {
        assert_eq!(Settings::parse("").unwrap().port(), Ok(8080));
        let s = Settings::parse("port = lots").unwrap();
        assert_eq!(s.port(), Err("bad port 'lots'".to_string()));
    }

    #[test]
    fn bad_line() {
        let err = Settings::parse("name = x\nnonsense\n").err();
        assert_eq!(err, Some("line 2: expected key = value".to_string()));
    }
}
