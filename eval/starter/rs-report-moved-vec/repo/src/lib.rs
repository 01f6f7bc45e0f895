//! Monthly sales: the total and a printable report.

pub struct Sale {
    pub region: String,
    pub cents: u64,
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub fn total(sales: Vec<Sale>) -> u64 {
    sales.iter().map(|s| s.cents).sum()
}

pub fn report(sales: Vec<Sale>) -> String {
    let sum = total(sales);
    let mut out = format!("{} sales, {} total\n", sales.len(), money(sum));
    for s in &sales {
        out.push_str(&format!("  {:<8} {:>9}\n", s.region, money(s.cents)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(region: &str, cents: u64) -> Sale {
        Sale { region: region.to_string(), cents }
    }

    #[test]
    fn report_lists_every_sale() {
        let sales = vec![sale("north", 125050), sale("south", 99), sale("west", 7000)];
        assert_eq!(
            report(sales),
            "3 sales, 1321.49 total\n  north      1250.50\n  south         0.99\n  west         70.00\n"
        );
    }

    #[test]
    fn empty_month() {
        assert_eq!(report(Vec::new()), "0 sales, 0.00 total\n");
    }
}
