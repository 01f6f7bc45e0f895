/* test_line.c - the input line's model: editing, history, completion and the view. */
#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "tui/line.h"

#define E_ACUTE "\xc3\xa9"         /* é, precomposed */
#define E_GRAVE "\xc3\xa8"         /* è */
#define ACUTE   "\xcc\x81"         /* U+0301 combining acute */
#define GRAVE   "\xcc\x80"         /* U+0300 combining grave */
#define CEDILLA "\xcc\xa7"         /* U+0327 combining cedilla */
#define ZHONG   "\xe4\xb8\xad"     /* 中 */
#define WEN     "\xe6\x96\x87"     /* 文 */
#define DUAN    "\xe6\x96\xad"     /* 断, shares two bytes with 文 */
#define GRIN    "\xf0\x9f\x98\x80" /* 😀 */
#define SMILEY  "\xf0\x9f\x98\x83" /* 😃 */
#define FFFD    "\xef\xbf\xbd"
#define RETURN  "\xe2\x8f\x8e" /* ⏎ */
#define ARROW   "\xe2\x86\x92" /* → */

static void set(struct line *l, const char *s)
{
	line_set_text(l, s, strlen(s));
}

static int ins(struct line *l, const char *s)
{
	return line_insert(l, s, strlen(s));
}

static void test_insert(void)
{
	struct line l = LINE_INIT;

	CHECK_STR(l.text.ptr, "");
	CHECK_INT(ins(&l, ""), 0);
	CHECK_INT(ins(&l, "hello"), 1);
	CHECK_STR(l.text.ptr, "hello");
	CHECK_INT(l.cursor, 5);
	CHECK_INT(line_left(&l), 1);
	CHECK_INT(ins(&l, E_ACUTE), 1);
	CHECK_STR(l.text.ptr, "hell" E_ACUTE "o");
	CHECK_INT(l.cursor, 6);
	CHECK_INT(ins(&l, "a\nb"), 1);
	CHECK_STR(l.text.ptr, "hell" E_ACUTE "a\nbo");
	CHECK_INT(l.cursor, 9);
	CHECK_INT(line_set_text(&l, "x", 1), 1);
	CHECK_INT(line_set_text(&l, "x", 1), 0);
	CHECK_INT(l.cursor, 1);
	CHECK_INT(line_clear(&l), 1);
	CHECK_INT(line_clear(&l), 0);
	CHECK_STR(l.text.ptr, "");
	CHECK_INT(l.cursor, 0);
	line_release(&l);
}

static void test_motion_multibyte(void)
{
	struct line l = LINE_INIT;

	set(&l, "a" ZHONG GRIN E_ACUTE);
	CHECK_INT(l.cursor, 10);
	CHECK_INT(line_right(&l), 0);
	CHECK_INT(line_left(&l), 1);
	CHECK_INT(l.cursor, 8);
	line_left(&l);
	CHECK_INT(l.cursor, 4);
	line_left(&l);
	CHECK_INT(l.cursor, 1);
	line_left(&l);
	CHECK_INT(l.cursor, 0);
	CHECK_INT(line_left(&l), 0);
	line_right(&l);
	CHECK_INT(l.cursor, 1);
	line_right(&l);
	CHECK_INT(l.cursor, 4);
	line_right(&l);
	CHECK_INT(l.cursor, 8);
	CHECK_INT(line_end(&l), 1);
	CHECK_INT(line_end(&l), 0);
	CHECK_INT(line_delete_back(&l), 1);
	CHECK_STR(l.text.ptr, "a" ZHONG GRIN);
	line_delete_back(&l);
	CHECK_STR(l.text.ptr, "a" ZHONG);
	CHECK_INT(line_home(&l), 1);
	CHECK_INT(line_delete_back(&l), 0);
	CHECK_INT(line_delete_forward(&l), 1);
	CHECK_STR(l.text.ptr, ZHONG);
	CHECK_INT(line_delete_forward(&l), 1);
	CHECK_STR(l.text.ptr, "");
	CHECK_INT(line_delete_forward(&l), 0);
	line_release(&l);
}

static void test_combining(void)
{
	struct line l = LINE_INIT;

	set(&l, "e" ACUTE "x");
	line_left(&l);
	CHECK_INT(l.cursor, 3);
	line_left(&l);
	CHECK_INT(l.cursor, 0);
	line_right(&l);
	CHECK_INT(l.cursor, 3);
	/* a cursor asked for inside a unit goes to its start */
	CHECK_INT(line_set_cursor(&l, 2), 1);
	CHECK_INT(l.cursor, 0);
	CHECK_INT(line_set_cursor(&l, 99), 1);
	CHECK_INT(l.cursor, 4);
	line_home(&l);
	line_delete_forward(&l);
	CHECK_STR(l.text.ptr, "x");
	set(&l, "xe" ACUTE CEDILLA);
	line_delete_back(&l);
	CHECK_STR(l.text.ptr, "x");

	/* a mark typed after its base joins it */
	set(&l, "e");
	CHECK_INT(ins(&l, ACUTE), 1);
	CHECK_INT(l.cursor, 3);
	line_left(&l);
	CHECK_INT(l.cursor, 0);

	/* a base typed before a lone mark takes it, and the cursor goes past both */
	set(&l, ACUTE);
	line_home(&l);
	ins(&l, "a");
	CHECK_STR(l.text.ptr, "a" ACUTE);
	CHECK_INT(l.cursor, 3);
	line_left(&l);
	CHECK_INT(l.cursor, 0);

	set(&l, "a" ACUTE CEDILLA "b");
	line_left(&l);
	CHECK_INT(l.cursor, 5);
	line_left(&l);
	CHECK_INT(l.cursor, 0);
	line_release(&l);
}

static void test_cap(void)
{
	struct line l = LINE_INIT;
	char *big = malloc(LINE_TEXT_MAX + 2);

	memset(big, 'a', LINE_TEXT_MAX + 1);
	big[LINE_TEXT_MAX + 1] = '\0';
	CHECK_INT(line_insert(&l, big, LINE_TEXT_MAX + 1), -1);
	CHECK_INT(l.text.len, 0);
	CHECK_INT(line_insert(&l, big, LINE_TEXT_MAX), 1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX);
	CHECK_INT(ins(&l, "b"), -1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX);
	CHECK_INT(l.cursor, LINE_TEXT_MAX);

	line_clear(&l);
	line_insert(&l, big, LINE_TEXT_MAX - 1);
	CHECK_INT(ins(&l, E_ACUTE), -1);
	/* an invalid byte grows to three when replaced: the cap counts the result */
	CHECK_INT(ins(&l, "\xff"), -1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX - 1);
	CHECK_INT(ins(&l, "b"), 1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX);
	CHECK_INT(line_set_text(&l, big, LINE_TEXT_MAX + 1), -1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX);
	CHECK_INT(l.text.ptr[LINE_TEXT_MAX - 1], 'b');

	/* a yank that does not fit is refused too */
	line_home(&l);
	line_right(&l);
	line_kill_start(&l);
	CHECK_INT(l.text.len, LINE_TEXT_MAX - 1);
	line_end(&l);
	CHECK_INT(line_yank(&l), 1);
	CHECK_INT(line_yank(&l), -1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX);
	free(big);
	line_release(&l);
}

static void test_invalid(void)
{
	struct line l = LINE_INIT;

	CHECK_INT(line_insert(&l,
	                      "a\xff"
	                      "b\xc3\0c",
	                      6),
	          1);
	CHECK_STR(l.text.ptr, "a" FFFD "b" FFFD FFFD "c");
	CHECK_INT(l.cursor, strlen(l.text.ptr));
	set(&l, "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80");
	CHECK_STR(l.text.ptr, FFFD FFFD "|" FFFD FFFD FFFD "|" FFFD FFFD FFFD FFFD);
	line_release(&l);
}

static void test_kill_yank(void)
{
	struct line l = LINE_INIT;

	CHECK_INT(line_yank(&l), 0);
	set(&l, "hello world");
	line_set_cursor(&l, 5);
	CHECK_INT(line_kill_end(&l), 1);
	CHECK_STR(l.text.ptr, "hello");
	CHECK_INT(line_kill_end(&l), 0);
	CHECK_STR(l.kill.ptr, " world");
	line_home(&l);
	CHECK_INT(line_yank(&l), 1);
	CHECK_STR(l.text.ptr, " worldhello");
	CHECK_INT(l.cursor, 6);
	CHECK_INT(line_kill_start(&l), 1);
	CHECK_STR(l.text.ptr, "hello");
	CHECK_INT(l.cursor, 0);
	CHECK_INT(line_kill_start(&l), 0);
	line_end(&l);
	line_yank(&l);
	CHECK_STR(l.text.ptr, "hello world");
	CHECK_INT(l.cursor, 11);
	CHECK_INT(line_kill_word_back(&l), 1);
	CHECK_STR(l.text.ptr, "hello ");
	CHECK_STR(l.kill.ptr, "world");
	line_yank(&l);
	line_yank(&l);
	CHECK_STR(l.text.ptr, "hello worldworld");

	/* kills keep multi-byte and combined text whole */
	set(&l, ZHONG "e" ACUTE GRIN);
	line_set_cursor(&l, 3);
	line_kill_end(&l);
	CHECK_STR(l.text.ptr, ZHONG);
	CHECK_STR(l.kill.ptr, "e" ACUTE GRIN);
	line_home(&l);
	line_yank(&l);
	CHECK_STR(l.text.ptr, "e" ACUTE GRIN ZHONG);
	CHECK_INT(l.cursor, 7);
	line_release(&l);
}

static void test_words(void)
{
	static const char *const after_w[] = { "@src/foo.c ", "@src/", "@", "" };
	static const char *const killed[] = { "bar", "foo.c ", "src/", "@" };
	static const size_t left[] = { 11, 5, 1, 0 };
	static const size_t right[] = { 4, 10, 14 };
	struct line l = LINE_INIT;
	size_t i;

	set(&l, "@src/foo.c bar");
	for (i = 0; i < 4; i++) {
		CHECK_INT(line_word_left(&l), 1);
		CHECK_INT(l.cursor, left[i]);
	}
	CHECK_INT(line_word_left(&l), 0);
	for (i = 0; i < 3; i++) {
		CHECK_INT(line_word_right(&l), 1);
		CHECK_INT(l.cursor, right[i]);
	}
	CHECK_INT(line_word_right(&l), 0);
	for (i = 0; i < 4; i++) {
		CHECK_INT(line_kill_word_back(&l), 1);
		CHECK_STR(l.text.ptr, after_w[i]);
		CHECK_STR(l.kill.ptr, killed[i]);
	}
	CHECK_INT(line_kill_word_back(&l), 0);

	/* letters beyond ASCII and combined ones are word characters */
	set(&l, "caf" E_ACUTE " " ZHONG WEN " x");
	line_word_left(&l);
	CHECK_INT(l.cursor, 13);
	line_word_left(&l);
	CHECK_INT(l.cursor, 6);
	line_word_left(&l);
	CHECK_INT(l.cursor, 0);
	set(&l, "a cafe" ACUTE "s");
	line_kill_word_back(&l);
	CHECK_STR(l.text.ptr, "a ");
	set(&l, "x  ," GRIN "  ");
	line_kill_word_back(&l);
	CHECK_STR(l.text.ptr, "");
	line_release(&l);
}

static void test_transpose(void)
{
	struct line l = LINE_INIT;

	set(&l, "abc");
	line_set_cursor(&l, 1);
	CHECK_INT(line_transpose(&l), 1);
	CHECK_STR(l.text.ptr, "bac");
	CHECK_INT(l.cursor, 2);
	line_end(&l);
	line_transpose(&l);
	CHECK_STR(l.text.ptr, "bca");
	CHECK_INT(l.cursor, 3);
	line_home(&l);
	CHECK_INT(line_transpose(&l), 0);
	set(&l, "a" ZHONG "e" ACUTE);
	line_transpose(&l);
	CHECK_STR(l.text.ptr, "ae" ACUTE ZHONG);
	set(&l, "a");
	CHECK_INT(line_transpose(&l), 0);
	line_release(&l);
}

static void test_history(void)
{
	struct line l = LINE_INIT;
	char *s, name[16];
	int i;

	CHECK_INT(line_history_prev(&l), 0);
	CHECK_INT(line_history_add(&l, "one", 3), 1);
	CHECK_INT(line_history_add(&l, "two", 3), 1);
	CHECK_INT(line_history_add(&l, "two", 3), 0);
	CHECK_INT(line_history_add(&l, "", 0), 0);
	CHECK_INT(line_history_add(&l, " \t\n ", 4), 0);
	CHECK_INT(line_history_add(&l, "three", 5), 1);
	CHECK_INT(l.nhist, 3);

	set(&l, "draft");
	line_set_cursor(&l, 2);
	CHECK_INT(line_history_next(&l), 0);
	CHECK_INT(line_history_prev(&l), 1);
	CHECK_STR(l.text.ptr, "three");
	CHECK_INT(l.cursor, 5);
	line_history_prev(&l);
	CHECK_STR(l.text.ptr, "two");
	ins(&l, "X");
	CHECK_STR(l.text.ptr, "twoX");
	line_history_prev(&l);
	CHECK_STR(l.text.ptr, "one");
	CHECK_INT(line_history_prev(&l), 0);
	CHECK_STR(l.text.ptr, "one");
	CHECK_INT(line_history_next(&l), 1);
	CHECK_STR(l.text.ptr, "two");
	CHECK_STR(l.hist[1], "two");
	line_history_next(&l);
	CHECK_STR(l.text.ptr, "three");
	CHECK_INT(line_history_next(&l), 1);
	CHECK_STR(l.text.ptr, "draft");
	CHECK_INT(l.cursor, 2);
	CHECK_INT(line_history_next(&l), 0);

	/* a recalled, edited entry is submitted as new; the old one stays */
	line_history_prev(&l);
	line_history_prev(&l);
	ins(&l, "!");
	s = line_submit(&l);
	CHECK_STR(s, "two!");
	free(s);
	CHECK_STR(l.text.ptr, "");
	CHECK_INT(l.nhist, 4);
	CHECK_STR(l.hist[1], "two");
	CHECK_STR(l.hist[3], "two!");
	CHECK_INT(line_history_next(&l), 0);
	line_history_prev(&l);
	CHECK_STR(l.text.ptr, "two!");
	s = line_submit(&l);
	free(s);
	CHECK_INT(l.nhist, 4);

	/* clearing ends browsing: Up starts again from the newest */
	line_history_prev(&l);
	line_history_prev(&l);
	CHECK_INT(line_clear(&l), 1);
	CHECK_INT(line_history_next(&l), 0);
	line_history_prev(&l);
	CHECK_STR(l.text.ptr, "two!");
	line_clear(&l);

	for (i = 0; i < LINE_HISTORY_MAX + 5; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		line_history_add(&l, name, strlen(name));
	}
	CHECK_INT(l.nhist, LINE_HISTORY_MAX);
	CHECK_STR(l.hist[0], "e5");
	CHECK_STR(l.hist[LINE_HISTORY_MAX - 1], "e1004");
	line_release(&l);
	CHECK_INT(l.nhist, 0);
}

/* Writes n bytes to path, or fails the test. */
static void write_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(write(fd, s, n), n);
	close(fd);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_persist(void)
{
	static const char *const entries[] = {
		"plain",
		"multi\nline\n",
		"back\\slash\\n",
		"trailing\\",
		E_ACUTE ZHONG GRIN "e" ACUTE,
	};
	static const char expect[] =
	        "plain\nmulti\\nline\\n\nback\\\\slash\\\\n\ntrailing\\\\\n" E_ACUTE ZHONG GRIN
	        "e" ACUTE "\n";
	static const char garbage[] = "good\n\xff\xfe bad\nstray \\x escape\ntrailing backslash\\\n"
	                              "nul\0inside\n\n  \noverlong \xc0\xaf\nother\nother\nlast";
	char dir[] = "/tmp/test_line.XXXXXX", *path, *bad;
	struct line l = LINE_INIT, m = LINE_INIT;
	struct error e = ERROR_INIT;
	struct buf b = BUF_INIT;
	struct stat st;
	size_t i;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	path = fs_join(dir, "history");
	for (i = 0; i < 5; i++)
		line_history_add(&l, entries[i], strlen(entries[i]));
	CHECK_INT(line_history_save(&l, path, &e), 0);
	CHECK_INT(fs_read_file(path, 0, &b, &e), 0);
	CHECK_STR(b.ptr, expect);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(count_entries(dir), 1);

	CHECK_INT(line_history_add(&m, "old", 3), 1);
	CHECK_INT(line_history_load(&m, path, &e), 0);
	CHECK_INT(m.nhist, 5);
	for (i = 0; i < 5 && i < m.nhist; i++)
		CHECK_STR(m.hist[i], entries[i]);
	line_history_prev(&m);
	CHECK_STR(m.text.ptr, E_ACUTE ZHONG GRIN "e" ACUTE);

	/* saving over an existing file replaces it */
	line_history_add(&l, "sixth", 5);
	CHECK_INT(line_history_save(&l, path, &e), 0);
	CHECK_INT(line_history_load(&m, path, &e), 0);
	CHECK_INT(m.nhist, 6);
	CHECK_INT(count_entries(dir), 1);

	/* a missing file is an empty history */
	bad = fs_join(dir, "missing");
	CHECK_INT(line_history_load(&m, bad, &e), 0);
	CHECK_INT(m.nhist, 0);
	free(bad);

	/* garbage: bad UTF-8, NUL, stray escapes, blank lines; the last has no newline */
	write_file(path, garbage, sizeof(garbage) - 1);
	CHECK_INT(line_history_load(&m, path, &e), 0);
	CHECK_INT(m.nhist, 3);
	if (m.nhist == 3) {
		CHECK_STR(m.hist[0], "good");
		CHECK_STR(m.hist[1], "other");
		CHECK_STR(m.hist[2], "last");
	}

	/* a line too long for an entry is skipped, not the rest */
	buf_reset(&b);
	for (i = 0; i < 3 * LINE_TEXT_MAX; i++)
		buf_addch(&b, 'z');
	buf_adds(&b, "\nafter\n");
	write_file(path, b.ptr, b.len);
	CHECK_INT(line_history_load(&m, path, &e), 0);
	CHECK_INT(m.nhist, 1);
	CHECK_STR(m.nhist ? m.hist[0] : NULL, "after");

	/* the newest LINE_HISTORY_MAX are kept */
	buf_reset(&b);
	for (i = 0; i < LINE_HISTORY_MAX + 500; i++)
		buf_addf(&b, "e%zu\n", i);
	write_file(path, b.ptr, b.len);
	CHECK_INT(line_history_load(&m, path, &e), 0);
	CHECK_INT(m.nhist, LINE_HISTORY_MAX);
	CHECK_STR(m.hist[0], "e500");
	CHECK_STR(m.hist[LINE_HISTORY_MAX - 1], "e1499");

	/* failures leave the history and the file alone */
	CHECK_INT(line_history_load(&m, dir, &e), -1);
	CHECK(strncmp(e.msg, "cannot read '", 13) == 0);
	CHECK_INT(m.nhist, LINE_HISTORY_MAX);
	bad = fs_join(dir, "no/such/dir");
	CHECK_INT(line_history_save(&l, bad, &e), -1);
	CHECK(strncmp(e.msg, "cannot write '", 14) == 0);
	CHECK(strstr(e.msg, "no/such/dir': ") != NULL);
	free(bad);
	CHECK_INT(count_entries(dir), 1);

	unlink(path);
	rmdir(dir);
	free(path);
	buf_release(&b);
	line_release(&l);
	line_release(&m);
}

static void check_token(const char *text, size_t cursor, enum line_token_kind kind, size_t start,
                        size_t end)
{
	struct line l = LINE_INIT;
	struct line_token t;

	set(&l, text);
	line_set_cursor(&l, cursor);
	t = line_token_at_cursor(&l);
	if (t.kind != kind || t.start != start || t.end != end) {
		fprintf(stderr, "token in '%s' at %zu: got %d [%zu, %zu), expected %d [%zu, %zu)\n",
		        text, cursor, (int)t.kind, t.start, t.end, (int)kind, start, end);
		check_failures++;
	}
	line_release(&l);
}

static void test_token(void)
{
	check_token("/he", 3, LINE_TOKEN_COMMAND, 0, 3);
	check_token("/", 1, LINE_TOKEN_COMMAND, 0, 1);
	check_token("/help arg", 2, LINE_TOKEN_COMMAND, 0, 5);
	check_token("/help arg", 8, LINE_TOKEN_NONE, 8, 8);
	check_token("/help arg", 0, LINE_TOKEN_NONE, 0, 0);
	check_token(" /help", 6, LINE_TOKEN_NONE, 6, 6);
	check_token("x /y", 4, LINE_TOKEN_NONE, 4, 4);
	check_token("look at @src/ma please", 15, LINE_TOKEN_PATH, 8, 15);
	check_token("look at @src/ma please", 10, LINE_TOKEN_PATH, 8, 15);
	check_token("look at @src/ma please", 8, LINE_TOKEN_NONE, 8, 8);
	check_token("look at @src/ma please", 16, LINE_TOKEN_NONE, 16, 16);
	check_token("a@b", 3, LINE_TOKEN_NONE, 3, 3);
	check_token("/add @sr", 8, LINE_TOKEN_PATH, 5, 8);
	check_token("@", 1, LINE_TOKEN_PATH, 0, 1);
	check_token("fix\n@sr", 7, LINE_TOKEN_PATH, 4, 7);
	check_token("@" ZHONG "/" WEN, 8, LINE_TOKEN_PATH, 0, 8);
	check_token("", 0, LINE_TOKEN_NONE, 0, 0);
}

static void test_complete(void)
{
	struct line l = LINE_INIT;
	char *big;

	set(&l, "look at @src/ma");
	CHECK_INT(line_complete(&l, "src/main.c", 1), 1);
	CHECK_STR(l.text.ptr, "look at @src/main.c ");
	CHECK_INT(l.cursor, 20);

	set(&l, "@sr");
	CHECK_INT(line_complete(&l, "src/", 0), 1);
	CHECK_STR(l.text.ptr, "@src/");
	CHECK_INT(l.cursor, 5);

	set(&l, "/he");
	line_complete(&l, "help", 1);
	CHECK_STR(l.text.ptr, "/help ");
	CHECK_INT(l.cursor, 6);

	/* the whole token is replaced; a space already there is used */
	set(&l, "@src/x.c tail");
	line_set_cursor(&l, 3);
	line_complete(&l, "src/a.c", 1);
	CHECK_STR(l.text.ptr, "@src/a.c tail");
	CHECK_INT(l.cursor, 9);
	set(&l, "@d" ZHONG "\nnext");
	line_set_cursor(&l, 2);
	line_complete(&l, "d" ZHONG WEN ".md", 1);
	CHECK_STR(l.text.ptr, "@d" ZHONG WEN ".md \nnext");
	CHECK_INT(l.cursor, strlen("@d" ZHONG WEN ".md "));

	set(&l, "plain word");
	CHECK_INT(line_complete(&l, "x", 1), 0);
	CHECK_STR(l.text.ptr, "plain word");

	big = malloc(LINE_TEXT_MAX);
	memset(big, 'a', LINE_TEXT_MAX - 8);
	memcpy(big + LINE_TEXT_MAX - 8, " @x", 4);
	set(&l, big);
	CHECK_INT(line_complete(&l, "012345", 0), 1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX);
	line_delete_back(&l);
	CHECK_INT(line_complete(&l, "0123456", 0), -1);
	CHECK_INT(line_complete(&l, "012345", 1), -1);
	CHECK_INT(l.text.len, LINE_TEXT_MAX - 1);
	CHECK_STR(l.text.ptr + LINE_TEXT_MAX - 7, "@01234");
	free(big);
	line_release(&l);
}

static void check_prefix(const char *const *cands, size_t n, const char *expect)
{
	char *p = line_common_prefix(cands, n);

	CHECK_STR(p, expect);
	free(p);
}

static void test_common_prefix(void)
{
	static const char *const paths[] = { "src/main.c", "src/man.c", "src/map.h" };
	static const char *const accents[] = { "caf" E_ACUTE, "caf" E_GRAVE };
	static const char *const cjk[] = { ZHONG WEN, ZHONG DUAN };
	static const char *const marks[] = { "cafe" ACUTE, "cafe" GRAVE };
	static const char *const bare[] = { "cafe", "cafe" ACUTE "s" };
	static const char *const emoji[] = { GRIN "a", GRIN "b" };
	static const char *const faces[] = { GRIN, SMILEY };
	static const char *const one[] = { "only" };

	check_prefix(paths, 3, "src/ma");
	check_prefix(paths, 2, "src/ma");
	check_prefix(accents, 2, "caf");
	check_prefix(cjk, 2, ZHONG);
	check_prefix(marks, 2, "caf");
	check_prefix(bare, 2, "caf");
	check_prefix(emoji, 2, GRIN);
	check_prefix(faces, 2, "");
	check_prefix(one, 1, "only");
	check_prefix(NULL, 0, "");
}

/* Lays l out and checks the drawn text, the cursor's column and the indicators. */
static void check_view(struct line *l, int width, int prompt, const char *text, int cursor_col,
                       int left, int right, int line)
{
	struct line_view v = LINE_VIEW_INIT;

	line_view(l, width, prompt, &v);
	if (strcmp(v.text.ptr, text) != 0 || v.cursor_col != cursor_col || v.left != left ||
	    v.right != right) {
		fprintf(stderr,
		        "%s:%d: view of '%s' at %zu in %d: got '%s' col %d <%d >%d, "
		        "expected '%s' col %d <%d >%d\n",
		        __FILE__, line, l->text.ptr, l->cursor, width, v.text.ptr, v.cursor_col,
		        v.left, v.right, text, cursor_col, left, right);
		check_failures++;
	}
	CHECK(v.cols <= (width > prompt ? width - prompt : 0));
	line_view_release(&v);
}

#define VIEW(l, w, p, text, col, left, right) check_view(l, w, p, text, col, left, right, __LINE__)

static void test_view_scroll(void)
{
	struct line l = LINE_INIT;
	struct line_view v = LINE_VIEW_INIT;
	const char *abc = "abcdefghijklmnopqrstuvwxyz";
	int i;

	VIEW(&l, 10, 2, "", 2, 0, 0);
	/* typed one key at a time, as the interface does: scrolls by a margin */
	for (i = 0; i < 7; i++) {
		line_insert(&l, abc + i, 1);
		line_view(&l, 10, 2, &v);
	}
	VIEW(&l, 10, 2, "abcdefg", 9, 0, 0);
	ins(&l, "h");
	VIEW(&l, 10, 2, "<efgh", 7, 1, 0);
	line_view(&l, 10, 2, &v);
	CHECK_INT(v.start, 4);
	CHECK_INT(v.end, 8);
	CHECK_INT(v.cols, 5);
	ins(&l, "i");
	VIEW(&l, 10, 2, "<efghi", 8, 1, 0);
	ins(&l, "j");
	VIEW(&l, 10, 2, "<efghij", 9, 1, 0);
	ins(&l, "k");
	VIEW(&l, 10, 2, "<hijk", 7, 1, 0);

	/* moving left within the visible part does not scroll; past it, by a margin */
	for (i = 0; i < 4; i++)
		line_left(&l);
	VIEW(&l, 10, 2, "<hijk", 3, 1, 0);
	line_left(&l);
	VIEW(&l, 10, 2, "<efghij>", 5, 1, 1);
	line_home(&l);
	VIEW(&l, 10, 2, "abcdefg>", 2, 0, 1);
	line_end(&l);
	VIEW(&l, 10, 2, "<hijk", 7, 1, 0);

	/* a wider terminal shows everything again */
	VIEW(&l, 80, 2, "abcdefghijk", 13, 0, 0);
	line_view(&l, 80, 2, &v);
	CHECK_INT(v.start, 0);
	CHECK_INT(v.end, 11);
	CHECK_INT(l.scroll, 0);

	/* at 80 columns a long line scrolls the same way */
	line_clear(&l);
	for (i = 0; i < 100; i++) {
		line_insert(&l, abc + i % 26, 1);
		line_view(&l, 80, 2, &v);
	}
	/* 78 columns: full at 77 characters, then scrolled to leave 19 free */
	CHECK_INT(v.cursor_col, 2 + 1 + 100 - (int)v.start);
	CHECK(v.left && !v.right);
	CHECK_INT(v.end, 100);
	line_view(&l, 80, 2, &v);
	CHECK_INT(v.start, 41);
	VIEW(&l, 80, 2, "<pqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv", 62, 1, 0);
	line_home(&l);
	line_view(&l, 80, 2, &v);
	CHECK_INT(v.start, 0);
	CHECK_INT(v.end, 77);
	CHECK(!v.left && v.right);
	CHECK_INT(v.cols, 78);

	/* text replaced under the scroll offset */
	set(&l, "short");
	VIEW(&l, 10, 2, "short", 7, 0, 0);
	line_view_release(&v);
	line_release(&l);
}

static void test_view_wide(void)
{
	struct line l = LINE_INIT;
	struct line_view v = LINE_VIEW_INIT;
	int i;

	/* a wide character that would straddle the right edge is left for a space */
	set(&l, "ab" ZHONG WEN ZHONG WEN ZHONG WEN);
	line_home(&l);
	VIEW(&l, 10, 2, "ab" ZHONG WEN " >", 2, 0, 1);
	line_view(&l, 10, 2, &v);
	CHECK_INT(v.end, 8);
	CHECK_INT(v.cols, 8);
	for (i = 0; i < 4; i++)
		line_right(&l);
	VIEW(&l, 10, 2, "<" WEN ZHONG WEN ">", 5, 1, 1);
	line_view(&l, 10, 2, &v);
	CHECK_INT(v.start, 5);
	CHECK_INT(v.end, 14);
	line_end(&l);
	VIEW(&l, 10, 2, "<" ZHONG WEN, 7, 1, 0);

	set(&l, GRIN GRIN);
	VIEW(&l, 80, 0, GRIN GRIN, 4, 0, 0);
	line_left(&l);
	VIEW(&l, 80, 0, GRIN GRIN, 2, 0, 0);

	/* too narrow for indicators, or for anything */
	set(&l, ZHONG);
	line_home(&l);
	VIEW(&l, 3, 2, " ", 2, 0, 0);
	VIEW(&l, 2, 2, "", 1, 0, 0);
	VIEW(&l, 0, 2, "", 0, 0, 0);
	line_view_release(&v);
	line_release(&l);
}

static void test_view_glyphs(void)
{
	struct line l = LINE_INIT;

	set(&l, "e" ACUTE "\x01\n\t" ZHONG);
	VIEW(&l, 80, 2, "e" ACUTE "^A" RETURN ARROW ZHONG, 9, 0, 0);
	set(&l, "\x1b[0m\x7f\xc2\x85");
	VIEW(&l, 80, 0, "^[[0m^?" FFFD, 8, 0, 0);
	set(&l, "a\xe2\x80\xae"
	        "b");
	VIEW(&l, 80, 0, "ab", 2, 0, 0);
	set(&l, ACUTE "x");
	VIEW(&l, 80, 0, " " ACUTE "x", 2, 0, 0);
	/* a control's two columns count when scrolling */
	set(&l, "\x01\x02\x03\x04\x05");
	VIEW(&l, 8, 0, "<^D^E", 5, 1, 0);
	line_release(&l);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		fprintf(stderr, "test_line: no C.UTF-8 locale\n");
		return 1;
	}
	test_insert();
	test_motion_multibyte();
	test_combining();
	test_cap();
	test_invalid();
	test_kill_yank();
	test_words();
	test_transpose();
	test_history();
	test_persist();
	test_token();
	test_complete();
	test_common_prefix();
	test_view_scroll();
	test_view_wide();
	test_view_glyphs();
	return check_done("test_line");
}
