/* test_ui.c - the screen's model: the check output's lines, found once. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/xalloc.h"
#include "tui/ui.h"

/* Line k (0-based) of the check output, as the diff pane cuts it. */
static char *line(const struct ui *u, size_t k)
{
	return xstrndup(u->check + u->check_off[k], u->check_off[k + 1] - u->check_off[k] - 1);
}

static void expect_lines(const char *text, const char *const *want, size_t n)
{
	struct ui u;
	size_t i;

	ui_init(&u);
	ui_set_check(&u, xstrdup(text));
	CHECK_INT((int)u.ncheck, (int)n);
	for (i = 0; i < n && i < u.ncheck; i++) {
		char *l = line(&u, i);
		CHECK_STR(l, want[i]);
		free(l);
	}
	ui_release(&u);
}

int main(void)
{
	static const char *const ab[] = { "a", "b" };
	static const char *const blank[] = { "$ make", "", "x" };
	struct ui u;

	expect_lines("a\nb\n", ab, 2);
	expect_lines("a\nb", ab, 2);
	expect_lines("$ make\n\nx", blank, 3);
	expect_lines("", NULL, 0);
	ui_init(&u);
	ui_set_check(&u, xstrdup("one\n"));
	ui_set_check(&u, NULL); /* cleared, and the old text freed */
	CHECK_INT((int)u.ncheck, 0);
	CHECK(u.check == NULL && u.check_off == NULL);
	ui_release(&u);
	return check_done("test_ui");
}
