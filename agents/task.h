/*
 * task.h - one request carried through the roles: a plan, then for each step
 * a Context Map, edit blocks, a proposal the caller decides on hunk by hunk,
 * and the checked apply. Event driven: the caller runs the loop (workers_wait,
 * workers_pump, task_pump) and is told what happened through one callback, so
 * that `loom run` and the terminal interface drive the same flow.
 */
#ifndef LOOM_TASK_H
#define LOOM_TASK_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "agents/roles.h"
#include "agents/workers.h"
#include "context/repo.h"
#include "core/config.h"
#include "core/diff.h"
#include "core/error.h"
#include "core/model.h"

struct verify;

#define TASK_RETRIES   2 /* edit blocks that do not apply, fed back per step */
#define TASK_REPROPOSE 1 /* proposals made again when a file changed on disk meanwhile */
/* proposals that fail the check are fed back per step as the check_retries setting says */
#define TASK_SPLIT_DEPTH 2 /* a step that keeps failing is split, and its parts, this deep */

/* What a task runs against; the caller owns all of it and keeps it alive. */
struct task_env {
	struct repo *r;
	struct model *m; /* the core's model handle: the context size and model size it reports */
	const struct config *conf;
	struct workers *ws;
	int rootfd;              /* the repository root, for reading files and applying */
	int max_tokens;          /* per model call */
	int commit;              /* commit each applied step */
	const char *const *tags; /* the user's tags, for every step */
	size_t ntags;
	const char *check; /* the check command proposals must pass (NULL or "": none) */
	long check_limit_ms;
};

enum task_event {
	TASK_PLAN,   /* data: {"steps": [{"goal", "files", "depth"?}], "split"?: {"step", "into"}};
	                  again after a step is split into smaller ones */
	TASK_STEP,   /* step starts; msg: its goal */
	TASK_LEDGER, /* data: the step's evidence ledger (as `loom query --json`) */
	TASK_NOTE,   /* msg: something the user should know; the flow goes on */
	TASK_CHECK,  /* a check ran: data {"passed", "status", "seconds", "class", "output",
	                  "baseline"?}; msg: one line */
	TASK_PROPOSAL, /* data: the proposal, with "check" when it was checked; the task waits
	                  for task_apply or task_skip */
	TASK_APPLIED,  /* data: {"files", "undo", "commit"?, "warning"?} */
	TASK_ERROR,    /* msg: one line; the step failed (step > 0), or the task (step 0) */
	TASK_DONE,     /* the task ended: see stopped, cancelled, failed */
};

struct task;
typedef void (*task_fn)(void *ctx, struct task *t, enum task_event ev, int step, const cJSON *data,
                        const char *msg);

/* One file of a step's proposal. */
struct task_file {
	char *path;
	struct buf old; /* as read when the proposal was made */
	int existed;
	struct buf new; /* after all of the step's edit blocks */
	struct diff diff;
	unsigned char *approved; /* per hunk */
};

struct task {
	const struct task_env *env;
	task_fn fn;
	void *ctx;
	int state; /* private */
	cJSON *plan;
	int steps; /* in the plan */
	int step;  /* the current one, 1-based; 0 while planning */
	int proposed, applied, failed;
	int todo;       /* steps left as TODO: they never passed the check, even split */
	cJSON *todos;   /* [{"goal", "error"}] */
	int checks;     /* check runs, the baseline included */
	double check_s; /* their wall time together (they run beside the model's calls) */
	int stopped;    /* ended before its last step (the workers could not go on) */
	int cancelled;  /* ended by workers_cancel or the cancel flag */
	/* where the time went: wall time, and the model server's share as the workers report it */
	uint64_t plan_ns, steps_ns, plan_model_us, steps_model_us;
	/* private: the current step */
	uint64_t t0, model0;
	struct context_map map;
	int have_map;
	enum coder_format format;
	int attempt, repropose;
	char *prev, *feedback;
	char *reply; /* the Coder's last reply that applied */
	struct task_file *files;
	size_t nfiles, cap;
	/* private: checks */
	struct verify *ver;
	int baseline; /* 0 none yet, 1 running, 2 passed, 3 failed */
	int checking; /* the step's proposal is being checked */
	int check_attempt;
	char baseline_class[32];
	char fail_class[32];     /* the class of the step's last failed check */
	char *lessons;           /* the lessons as prompt text, or NULL */
	unsigned long lesson_id; /* a lesson being distilled by the Architect, or 0 */
	char *lesson_from;       /* where it comes from */
	char *split_wait;        /* a split waiting for the Architect to be free */
	int lessons_learned;     /* lessons added by this task */
	void *routes;            /* struct routes *, from the routes setting */
	const void *route;       /* the route of the step's next Coder request, or NULL */
	char *route_error;       /* why the routes setting is not used */
	int baseline_errors;
	char *summary; /* the repository's, for the Architect when it splits a step */
	cJSON *check;  /* the last check of the step's proposal, for TASK_PROPOSAL */
};

/*
 * Starts a task: asks the Architect for a plan of request, given the
 * repository's summary. fn is called for each event (from task_pump and the
 * calls below, never later than task_release). Returns -1 with e set when the
 * request cannot be sent.
 */
int task_start(struct task *t, const struct task_env *env, const char *request, const char *summary,
               task_fn fn, void *ctx, struct error *e);

/* Advances with the replies workers_pump collected. Call it after each workers_pump. */
void task_pump(struct task *t);

/*
 * While a check runs: the descriptor the caller's loop should watch (-1 when
 * none), and the longest it should sleep (-1: no limit) so that a check's time
 * limit is kept.
 */
int task_fd(const struct task *t);
int task_timeout_ms(const struct task *t);

/* Whether the task is still going (not yet TASK_DONE). */
int task_running(const struct task *t);
/* Whether it waits for a decision on a proposal (after TASK_PROPOSAL). */
int task_reviewing(const struct task *t);

/* The proposal under review: its files, in the order the Coder named them. */
size_t task_nfiles(const struct task *t);
const struct task_file *task_file(const struct task *t, size_t i);
/* Approves (yes) or rejects hunk h of file i; everything starts rejected. */
void task_approve(struct task *t, size_t i, size_t h, int yes);

/*
 * Ends the review: applies the approved hunks (journaled for `loom undo`),
 * unless a file changed on disk since the proposal, in which case the step is
 * proposed again against the new content (TASK_NOTE, then TASK_PROPOSAL);
 * then the next step. Nothing approved applies nothing (TASK_NOTE).
 */
void task_apply(struct task *t);
/* Ends the review without applying anything; the step counts as proposed, not failed. */
void task_skip(struct task *t);

/*
 * Hunk h of file i as text to edit, the way `git add -p` offers it: a comment
 * header, then the hunk's lines with their ' ', '-', '+' origins. Caller frees;
 * NULL when there is no such hunk.
 */
char *task_hunk_text(const struct task *t, size_t i, size_t h);
/*
 * Replaces hunk h of file i with its edited text (as task_hunk_text wrote it,
 * changed by the user): the file's proposed text becomes the old text with
 * every hunk applied and this one as edited, and the file is diffed again, so
 * its hunks may change. dec holds the file's decisions per old hunk (any
 * values, or NULL); *dec_out gets them per new hunk (caller frees): the hunks
 * the edit touched are 1 (approved), the others keep theirs. -1 with e set,
 * and nothing changed, when the ' ' and '-' lines no longer match the file or
 * a line has no valid origin.
 */
int task_edit_hunk(struct task *t, size_t i, size_t h, const char *text, size_t n,
                   const unsigned char *dec, unsigned char **dec_out, struct error *e);

/* The proposal as JSON: {"files": [{"path", "created", "deleted", "diff", "hunks"}]}. */
cJSON *task_proposal_json(const struct task *t);

void task_release(struct task *t);

#endif
