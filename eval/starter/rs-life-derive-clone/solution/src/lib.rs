//! Conway's Game of Life on a board whose edges wrap around.

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Dead,
    Alive,
}

pub struct Board {
    width: usize,
    height: usize,
    cells: Vec<Cell>,
}

impl Board {
    pub fn new(width: usize, height: usize) -> Board {
        Board { width, height, cells: vec![Cell::Dead; width * height] }
    }

    /// Reads a board drawn with '#' for live cells and '.' for dead ones.
    pub fn parse(text: &str) -> Board {
        let rows: Vec<&str> = text.lines().collect();
        let mut board = Board::new(rows[0].len(), rows.len());
        for (y, row) in rows.iter().enumerate() {
            for (x, c) in row.chars().enumerate() {
                if c == '#' {
                    board.set(x, y, Cell::Alive);
                }
            }
        }
        board
    }

    pub fn set(&mut self, x: usize, y: usize, cell: Cell) {
        self.cells[y * self.width + x] = cell;
    }

    pub fn is_alive(&self, x: usize, y: usize) -> bool {
        self.cells[y * self.width + x] == Cell::Alive
    }

    fn live_neighbours(&self, x: usize, y: usize) -> usize {
        let mut n = 0;
        for dy in [self.height - 1, 0, 1] {
            for dx in [self.width - 1, 0, 1] {
                if (dx, dy) != (0, 0)
                    && self.is_alive((x + dx) % self.width, (y + dy) % self.height)
                {
                    n += 1;
                }
            }
        }
        n
    }

    pub fn step(&self) -> Board {
        let mut next = Board::new(self.width, self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                let n = self.live_neighbours(x, y);
                if n == 3 || (n == 2 && self.is_alive(x, y)) {
                    next.set(x, y, Cell::Alive);
                }
            }
        }
        next
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for y in 0..self.height {
            for x in 0..self.width {
                out.push(if self.is_alive(x, y) { '#' } else { '.' });
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_board_is_dead() {
        assert_eq!(Board::new(3, 2).render(), "...\n...\n");
    }

    #[test]
    fn blinker_turns() {
        let board = Board::parse(".....\n.....\n.###.\n.....\n.....\n");
        let next = board.step();
        assert_eq!(next.render(), ".....\n..#..\n..#..\n..#..\n.....\n");
        assert_eq!(next.step().render(), board.render());
    }

    #[test]
    fn glider_wraps_around() {
        let mut board = Board::parse("..#...\n#.#...\n.##...\n......\n......\n......\n");
        for _ in 0..24 {
            board = board.step();
        }
        assert_eq!(board.render(), "..#...\n#.#...\n.##...\n......\n......\n......\n");
    }
}
