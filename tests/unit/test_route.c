/* test_route.c - the routes setting: error classes to models and LoRA adapters. */
#include <string.h>

#include "agents/route.h"
#include "check.h"

static void test_parse(void)
{
	struct routes r;
	struct error e = ERROR_INIT;
	const struct route *x;
	char buf[256];

	CHECK_INT(routes_parse(NULL, &r, &e), 0);
	CHECK_INT((int)r.n, 0);
	CHECK_INT(routes_parse("  ", &r, &e), 0);
	CHECK_INT((int)r.n, 0);

	CHECK_INT(routes_parse("rust-borrow=qwen-7b type-mismatch=+lora:1@0.8 "
	                       "rust-missing-derive=q3b+lora:0@1+lora:2@0.5",
	                       &r, &e),
	          0);
	CHECK_INT((int)r.n, 3);
	x = route_for(&r, "rust-borrow");
	CHECK(x && x->model && !strcmp(x->model, "qwen-7b") && x->nlora == 0);
	x = route_for(&r, "type-mismatch");
	CHECK(x && !x->model && x->nlora == 1 && x->lora[0].id == 1 && x->lora[0].scale == 0.8);
	x = route_for(&r, "rust-missing-derive");
	CHECK(x && x->nlora == 2 && x->lora[1].id == 2 && x->lora[1].scale == 0.5);
	route_describe(x, buf, sizeof(buf));
	CHECK_STR(buf, "model q3b, LoRA adapter 0 at 1, LoRA adapter 2 at 0.5");
	CHECK(route_for(&r, "syntax") == NULL);
	CHECK(route_for(&r, NULL) == NULL);
	routes_release(&r);
}

static void test_errors(void)
{
	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "borow=x", "routes: 'borow=x': no error class 'borow' (see docs/CHECKS.md)" },
		{ "syntax", "routes: 'syntax': expected CLASS=MODEL[+lora:ID@SCALE...]" },
		{ "=x", "routes: '=x': expected CLASS=MODEL[+lora:ID@SCALE...]" },
		{ "syntax=", "routes: 'syntax=': route to a model, LoRA adapters, or both" },
		{ "syntax=m+lora:x@1",
		  "routes: 'syntax=m+lora:x@1': a LoRA adapter is lora:ID@SCALE, ID 0-1000" },
		{ "syntax=m+lora:1@",
		  "routes: 'syntax=m+lora:1@': a LoRA scale is a number from 0 to 10" },
		{ "syntax=m+lora:1@11",
		  "routes: 'syntax=m+lora:1@11': a LoRA scale is a number from 0 to 10" },
		{ "syntax=m+lora:1@0.5x",
		  "routes: 'syntax=m+lora:1@0.5x': a LoRA scale is a number from 0 to 10" },
		{ "syntax=m+gpu:1", "routes: 'syntax=m+gpu:1': after '+' comes lora:ID@SCALE" },
		{ "assertion=a syntax=",
		  "routes: 'syntax=': route to a model, LoRA adapters, or both" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct routes r;
		struct error e = ERROR_INIT;
		CHECK_INT(routes_parse(bad[i].spec, &r, &e), -1);
		CHECK_STR(e.msg, bad[i].msg);
		CHECK_INT((int)r.n, 0);
	}
}

int main(void)
{
	test_parse();
	test_errors();
	return check_done("test_route");
}
