//! A to-do queue that keeps a log of what happened to its tasks.

#[derive(Debug)]
pub struct Task {
    pub id: u32,
    pub title: String,
    pub done: bool,
}

#[derive(Default)]
pub struct Queue {
    tasks: Vec<Task>,
    log: Vec<String>,
    next_id: u32,
}

impl Queue {
    pub fn new() -> Queue {
        Queue::default()
    }

    /// Adds a task and returns its id; ids start at 1.
    pub fn add(&mut self, title: &str) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        self.tasks.push(Task { id, title: title.to_string(), done: false });
        self.record(format!("added {} {}", id, title));
        id
    }

    /// Marks a task done; false when there is no task with that id.
    pub fn complete(&mut self, id: u32) -> bool {
        let task = match self.tasks.iter_mut().find(|t| t.id == id) {
            Some(task) => task,
            None => return false,
        };
        task.done = true;
        let entry = format!("completed {} {}", task.id, task.title);
        self.record(entry);
        true
    }

    pub fn pending(&self) -> Vec<&Task> {
        self.tasks.iter().filter(|t| !t.done).collect()
    }

    pub fn log(&self) -> &[String] {
        &self.log
    }

    fn record(&mut self, entry: String) {
        self.log.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_moves_a_task_out_of_pending() {
        let mut q = Queue::new();
        let report = q.add("write report");
        q.add("book flights");
        assert!(q.complete(report));
        let pending: Vec<&str> = q.pending().iter().map(|t| t.title.as_str()).collect();
        assert_eq!(pending, ["book flights"]);
    }

    #[test]
    fn complete_is_logged() {
        let mut q = Queue::new();
        q.add("write report");
        q.add("book flights");
        q.complete(2);
        assert_eq!(q.log(), ["added 1 write report", "added 2 book flights", "completed 2 book flights"]);
    }

    #[test]
    fn unknown_id() {
        let mut q = Queue::new();
        assert!(!q.complete(7));
        assert!(q.log().is_empty());
    }
}
