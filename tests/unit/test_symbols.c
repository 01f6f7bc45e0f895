/*
 * test_symbols.c - the symbol scanners on realistic snippets of every
 * language they know, and on hostile input: NUL bytes, unterminated comments
 * and strings, unbalanced braces, megabyte lines, CRLF and invalid UTF-8.
 *
 * Each snippet's symbols and imports are rendered one per line as
 * "line-end kind name" and "import line target [(local)]", so that a single
 * comparison asserts names, kinds, lines, end lines and that nothing else
 * (a keyword, a prototype, a call) was reported.
 */
#include <stdlib.h>
#include <string.h>

#include "context/symbols.h"
#include "core/xalloc.h"
#include "tests/unit/check.h"

/* Checks the invariants every result must keep, whatever the input. */
static void check_sane(const struct syms *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct sym *y = &s->v[i];
		CHECK(y->line >= 1 && y->end_line >= y->line);
		CHECK(y->name && y->name[0] && strlen(y->name) <= 128);
		CHECK(y->kind && y->kind[0]);
		if (i) {
			const struct sym *p = &s->v[i - 1];
			CHECK(p->line < y->line ||
			      (p->line == y->line && strcmp(p->name, y->name) <= 0));
		}
	}
	for (i = 0; i < s->nimp; i++) {
		CHECK(s->imp[i].target && s->imp[i].target[0] && s->imp[i].line >= 1);
		if (i)
			CHECK(s->imp[i - 1].line <= s->imp[i].line);
	}
}

/* Renders what syms_extract finds in text; the caller frees the result. */
static char *render(enum lang l, const char *text, size_t n)
{
	struct syms s = SYMS_INIT;
	char *out = xstrdup(""), *t;
	size_t i;

	syms_extract(l, text, n, &s);
	check_sane(&s);
	for (i = 0; i < s.n; i++) {
		t = xasprintf("%s%d-%d %s %s\n", out, s.v[i].line, s.v[i].end_line, s.v[i].kind,
		              s.v[i].name);
		free(out);
		out = t;
	}
	for (i = 0; i < s.nimp; i++) {
		t = xasprintf("%simport %d %s%s\n", out, s.imp[i].line, s.imp[i].target,
		              s.imp[i].local ? " (local)" : "");
		free(out);
		out = t;
	}
	syms_release(&s);
	return out;
}

/* Compares what syms_extract finds in text with want; reports the caller's line. */
#define EXPECT_N(l, text, n, want)                                                                 \
	do {                                                                                       \
		char *got_ = render((l), (text), (n));                                             \
		CHECK_STR(got_, (want));                                                           \
		free(got_);                                                                        \
	} while (0)
#define EXPECT(l, text, want) EXPECT_N((l), (text), strlen(text), (want))

/* Runs every language over text and checks only the invariants. */
static void survive(const char *text, size_t n)
{
	int l;

	for (l = 0; l < LANG__COUNT; l++) {
		struct syms s = SYMS_INIT;
		syms_extract((enum lang)l, text, n, &s);
		check_sane(&s);
		syms_release(&s);
	}
}

/* n bytes of pattern p repeated, in a buffer of exactly that size. */
static char *repeat(const char *p, size_t n)
{
	char *b = xmalloc(n);
	size_t i, k = strlen(p);

	for (i = 0; i < n; i++)
		b[i] = p[i % k];
	return b;
}

/* c_basic */
static void test_c_basic(void)
{
	EXPECT(LANG_C,
	       "#include <linux/list.h>\n"
	       "#include \"local.h\"\n"
	       "#define FOO 1\n"
	       "#define BAR(x) \\\n"
	       "\t((x) + 1)\n"
	       "\n"
	       "struct foo {\n"
	       "\tint a;\n"
	       "\tstruct bar {\n"
	       "\t\tint b;\n"
	       "\t} inner;\n"
	       "};\n"
	       "\n"
	       "typedef struct {\n"
	       "\tint x;\n"
	       "} anon_t;\n"
	       "\n"
	       "typedef void (*handler_t)(int);\n"
	       "typedef unsigned long ulong_t;\n"
	       "typedef struct node node_t, *node_p;\n"
	       "typedef int op_fn(int a, int b);\n"
	       "\n"
	       "enum color { RED, GREEN };\n"
	       "union u {\n"
	       "\tint i;\n"
	       "\tfloat f;\n"
	       "};\n"
	       "\n"
	       "static int proto(int a);\n"
	       "extern void noret(void) __attribute__((noreturn));\n"
	       "\n"
	       "static inline int\n"
	       "add(int a, int b)\n"
	       "{\n"
	       "\tif (a) {\n"
	       "\t\treturn a + b;\n"
	       "\t}\n"
	       "\twhile (b) { b--; }\n"
	       "\treturn sizeof(a);\n"
	       "}\n"
	       "\n"
	       "int main(int argc, char **argv)\n"
	       "{\n"
	       "\tchar *s = \"}{\";\n"
	       "\tchar c = '}';\n"
	       "\t/* } */\n"
	       "\t// {\n"
	       "\treturn add(1, 2);\n"
	       "}\n",
	       "3-3 constant FOO\n"
	       "4-5 macro BAR\n"
	       "7-12 struct foo\n"
	       "9-11 struct bar\n"
	       "16-16 typedef anon_t\n"
	       "18-18 typedef handler_t\n"
	       "19-19 typedef ulong_t\n"
	       "20-20 typedef node_p\n"
	       "20-20 typedef node_t\n"
	       "21-21 typedef op_fn\n"
	       "23-23 enum color\n"
	       "24-27 union u\n"
	       "33-40 function add\n"
	       "42-49 function main\n"
	       "import 1 linux/list.h\n"
	       "import 2 local.h (local)\n");
}

/* c_styles */
static void test_c_styles(void)
{
	EXPECT(LANG_C,
	       "int knr(a, b)\n"
	       "int a;\n"
	       "char *b;\n"
	       "{\n"
	       "\treturn a;\n"
	       "}\n"
	       "\n"
	       "static void *m_start(struct seq_file *m, loff_t *pos)\n"
	       "\t__acquires(RCU)\n"
	       "{\n"
	       "\treturn NULL;\n"
	       "}\n"
	       "\n"
	       "__printf(1, 2) int logit(const char *fmt, ...)\n"
	       "{\n"
	       "\treturn 0;\n"
	       "}\n"
	       "#ifdef X\n"
	       "int branch(int a) {\n"
	       "#else\n"
	       "int branch(int a, int b) {\n"
	       "#endif\n"
	       "\treturn 0;\n"
	       "}\n"
	       "#if 0\n"
	       "int dead(void) {\n"
	       "#endif\n"
	       "int after(void) { return 1; }\n"
	       "\n"
	       "static int (*pick(int which))(int)\n"
	       "{\n"
	       "\treturn 0;\n"
	       "}\n"
	       "\n"
	       "void body(void)\n"
	       "{\n"
	       "#define LOCAL_MACRO 1\n"
	       "\tint x = call(1);\n"
	       "}\n"
	       "\n"
	       "int (isalpha)(int c)\n"
	       "{\n"
	       "\treturn c;\n"
	       "}\n"
	       "static const struct file_operations fops = {\n"
	       "\t.open = body,\n"
	       "};\n"
	       "SYSCALL_DEFINE1(close, unsigned int, fd)\n"
	       "{\n"
	       "\treturn 0;\n"
	       "}\n",
	       "1-6 function knr\n"
	       "8-12 function m_start\n"
	       "14-17 function logit\n"
	       "19-24 function branch\n"
	       "28-28 function after\n"
	       "30-33 function pick\n"
	       "35-39 function body\n"
	       "37-37 constant LOCAL_MACRO\n"
	       "41-44 function isalpha\n"
	       "48-51 function SYSCALL_DEFINE1\n");
}

/* cpp */
static void test_cpp(void)
{
	EXPECT(LANG_CPP,
	       "#include <vector>\n"
	       "namespace ns {\n"
	       "\n"
	       "template <typename T>\n"
	       "class Foo : public Base<T>, private Other {\n"
	       "public:\n"
	       "\tFoo(int x) : a_(x), b_{2} {}\n"
	       "\t~Foo() {}\n"
	       "\tint size() const { return n; }\n"
	       "\tvirtual void pure() = 0;\n"
	       "\tbool operator==(const Foo &o) const;\n"
	       "private:\n"
	       "\tint a_;\n"
	       "\tstruct Inner { int z; };\n"
	       "};\n"
	       "\n"
	       "int Foo::get(int i) const\n"
	       "{\n"
	       "\treturn i;\n"
	       "}\n"
	       "\n"
	       "bool Foo::operator==(const Foo &o) const {\n"
	       "\treturn true;\n"
	       "}\n"
	       "\n"
	       "Foo::~Foo()\n"
	       "{\n"
	       "}\n"
	       "\n"
	       "std::pair<int, int> pairs() {\n"
	       "\treturn {1, 2};\n"
	       "}\n"
	       "\n"
	       "enum class Color : unsigned char { Red, Green };\n"
	       "\n"
	       "using Alias = std::vector<int>;\n"
	       "\n"
	       "extern \"C\" {\n"
	       "int cfunc(void) { return 0; }\n"
	       "}\n"
	       "\n"
	       "auto lambda = [](int x) { return x; };\n"
	       "const char *raw = R\"x( } { )x\";\n"
	       "int sep = 1'000'000;\n"
	       "\n"
	       "}  // namespace ns\n"
	       "\n"
	       "template <> void spec<int>(int x) { }\n",
	       "2-46 namespace ns\n"
	       "5-15 class Foo\n"
	       "7-7 method Foo\n"
	       "8-8 method ~Foo\n"
	       "9-9 method size\n"
	       "14-14 struct Inner\n"
	       "17-20 method get\n"
	       "22-24 method operator==\n"
	       "26-28 method ~Foo\n"
	       "30-32 function pairs\n"
	       "34-34 enum Color\n"
	       "36-36 typedef Alias\n"
	       "39-39 function cfunc\n"
	       "48-48 function spec\n"
	       "import 1 vector\n");
}

/* python */
static void test_python(void)
{
	EXPECT(LANG_PYTHON,
	       "#!/usr/bin/env python3\n"
	       "\"\"\"Module doc.\n"
	       "def not_a_function():\n"
	       "\"\"\"\n"
	       "import os\n"
	       "import a.b as c, d\n"
	       "from . import x\n"
	       "from ..m import y\n"
	       "from pkg.sub import (\n"
	       "    one,\n"
	       "    two,\n"
	       ")\n"
	       "\n"
	       "@decorator\n"
	       "def top(a,\n"
	       "        b):\n"
	       "    x = \"\"\"\n"
	       "class NotAClass:\n"
	       "\"\"\"\n"
	       "    def inner():\n"
	       "        return 1\n"
	       "    return inner\n"
	       "\n"
	       "# comment at col 0\n"
	       "class Foo(Base):\n"
	       "    def method(self):\n"
	       "        pass\n"
	       "\n"
	       "    async def amethod(self):\n"
	       "        if x:\n"
	       "            return [\n"
	       "1, 2]\n"
	       "        return 2\n"
	       "\n"
	       "    class Nested:\n"
	       "        def deep(self): return 3\n"
	       "\n"
	       "async def coro():\n"
	       "    await x\n"
	       "def last(): pass\n",
	       "15-22 function top\n"
	       "20-21 function inner\n"
	       "25-36 class Foo\n"
	       "26-27 method method\n"
	       "29-33 method amethod\n"
	       "35-36 class Nested\n"
	       "36-36 method deep\n"
	       "38-39 function coro\n"
	       "40-40 function last\n"
	       "import 5 os\n"
	       "import 6 a.b\n"
	       "import 6 d\n"
	       "import 7 . (local)\n"
	       "import 8 ..m (local)\n"
	       "import 9 pkg.sub\n");
}

/* js */
static void test_js(void)
{
	EXPECT(LANG_JS,
	       "#!/usr/bin/env node\n"
	       "'use strict';\n"
	       "const fs = require('fs');\n"
	       "const { join } = require(\"./paths\");\n"
	       "import def, { named } from './mod.js';\n"
	       "\n"
	       "function plain(a, b) {\n"
	       "  return a / b;\n"
	       "}\n"
	       "\n"
	       "const arrow = (x) => {\n"
	       "  const re = /[/}]/g;\n"
	       "  return x.replace(re, '');\n"
	       "};\n"
	       "const short = x => x + 1;\n"
	       "let fexpr = function () { return 1; };\n"
	       "\n"
	       "class Counter extends Base {\n"
	       "  #count = 0;\n"
	       "  static create() { return new Counter(); }\n"
	       "  get value() { return this.#count; }\n"
	       "  increment = () => {\n"
	       "    this.#count++;\n"
	       "  }\n"
	       "  async *stream() {\n"
	       "    yield `${this.#count} }`;\n"
	       "  }\n"
	       "}\n"
	       "\n"
	       "module.exports = { plain, arrow };\n",
	       "7-9 function plain\n"
	       "11-14 function arrow\n"
	       "15-15 function short\n"
	       "16-16 function fexpr\n"
	       "18-28 class Counter\n"
	       "20-20 method create\n"
	       "21-21 method value\n"
	       "22-24 method increment\n"
	       "25-27 method stream\n"
	       "import 3 fs\n"
	       "import 4 ./paths (local)\n"
	       "import 5 ./mod.js (local)\n");
}

/* ts */
static void test_ts(void)
{
	EXPECT(LANG_TS,
	       "import fs from 'fs';\n"
	       "import { a, b } from \"./util\";\n"
	       "import * as path from '../path';\n"
	       "import './side-effect';\n"
	       "import type { T } from 'types';\n"
	       "export { x } from './x';\n"
	       "export * from \"./all\";\n"
	       "const lazy = import('./lazy');\n"
	       "\n"
	       "export function foo(a: number): string {\n"
	       "  const re = /}{/g;\n"
	       "  const s = `template ${a + `nested ${'}'}`} }`;\n"
	       "  return s;\n"
	       "}\n"
	       "\n"
	       "async function* gen() {\n"
	       "  yield 1;\n"
	       "}\n"
	       "\n"
	       "export default class Widget extends Base<Props> implements I {\n"
	       "  private count: number = 0;\n"
	       "  static create(): Widget {\n"
	       "    return new Widget();\n"
	       "  }\n"
	       "  @decorator()\n"
	       "  async render(): Promise<{ ok: boolean }> {\n"
	       "    if (x) { return { ok: true }; }\n"
	       "  }\n"
	       "  get value() { return this.count; }\n"
	       "  handler = (e: Event) => {\n"
	       "    console.log(e);\n"
	       "  };\n"
	       "  constructor(private x: number) {\n"
	       "    super();\n"
	       "  }\n"
	       "  overload(a: string): void;\n"
	       "  overload(a: any) {}\n"
	       "}\n"
	       "\n"
	       "export const arrow = async (x: number): Promise<void> => {\n"
	       "  await x;\n"
	       "};\n"
	       "\n"
	       "interface Shape extends Base {\n"
	       "  area(): number;\n"
	       "}\n"
	       "\n"
	       "type Point = {\n"
	       "  x: number;\n"
	       "  y: number;\n"
	       "};\n"
	       "type Alias<T> = T | null;\n"
	       "\n"
	       "enum Color { Red, Green }\n"
	       "\n"
	       "namespace NS {\n"
	       "  export function inside() {}\n"
	       "}\n"
	       "declare function ambient(x: number): void;\n"
	       "if (a / b > c) { call(); }\n"
	       "function after() {}\n",
	       "10-14 function foo\n"
	       "16-18 function gen\n"
	       "20-38 class Widget\n"
	       "22-24 method create\n"
	       "26-28 method render\n"
	       "29-29 method value\n"
	       "30-32 method handler\n"
	       "33-35 method constructor\n"
	       "37-37 method overload\n"
	       "40-42 function arrow\n"
	       "44-46 interface Shape\n"
	       "48-51 type Point\n"
	       "52-52 type Alias\n"
	       "54-54 enum Color\n"
	       "56-58 namespace NS\n"
	       "57-57 function inside\n"
	       "61-61 function after\n"
	       "import 1 fs\n"
	       "import 2 ./util (local)\n"
	       "import 3 ../path (local)\n"
	       "import 4 ./side-effect (local)\n"
	       "import 5 types\n"
	       "import 6 ./x (local)\n"
	       "import 7 ./all (local)\n"
	       "import 8 ./lazy (local)\n");
}

/* go */
static void test_go(void)
{
	EXPECT(LANG_GO,
	       "package main\n"
	       "\n"
	       "import \"fmt\"\n"
	       "import f \"os\"\n"
	       "import (\n"
	       "\t\"strings\"\n"
	       "\talias \"path/filepath\"\n"
	       "\t_ \"embed\"\n"
	       ")\n"
	       "\n"
	       "type Point struct {\n"
	       "\tX, Y int\n"
	       "}\n"
	       "\n"
	       "type Shape interface {\n"
	       "\tArea() float64\n"
	       "}\n"
	       "\n"
	       "type ID int\n"
	       "type Alias = string\n"
	       "type List[T any] struct {\n"
	       "\titems []T\n"
	       "}\n"
	       "\n"
	       "type (\n"
	       "\tA struct {\n"
	       "\t\ta int\n"
	       "\t}\n"
	       "\tB func(int) error\n"
	       ")\n"
	       "\n"
	       "func main() {\n"
	       "\ts := \"}{\"\n"
	       "\tr := `raw }\n"
	       "{`\n"
	       "\tfn := func() int { return 1 }\n"
	       "\tfmt.Println(s, r, fn)\n"
	       "}\n"
	       "\n"
	       "func (p *Point) Dist(q Point) (float64, error) {\n"
	       "\treturn 0, nil\n"
	       "}\n"
	       "\n"
	       "func Map[T, U any](xs []T, f func(T) U) []U {\n"
	       "\treturn nil\n"
	       "}\n"
	       "\n"
	       "func empty() interface{} {\n"
	       "\treturn nil\n"
	       "}\n"
	       "\n"
	       "func asm(x int) int\n"
	       "\n"
	       "func after() {}\n",
	       "11-13 struct Point\n"
	       "15-17 interface Shape\n"
	       "19-19 type ID\n"
	       "20-20 type Alias\n"
	       "21-23 struct List\n"
	       "26-28 struct A\n"
	       "29-29 type B\n"
	       "32-38 function main\n"
	       "40-42 method Dist\n"
	       "44-46 function Map\n"
	       "48-50 function empty\n"
	       "54-54 function after\n"
	       "import 3 fmt\n"
	       "import 4 os\n"
	       "import 6 strings\n"
	       "import 7 path/filepath\n"
	       "import 8 embed\n");
}

/* rust */
static void test_rust(void)
{
	EXPECT(LANG_RUST,
	       "use std::collections::HashMap;\n"
	       "use crate::util::{self, helper as h, nested::{a, b}};\n"
	       "use super::parent::*;\n"
	       "extern crate serde;\n"
	       "mod inline {\n"
	       "    pub fn inner() {}\n"
	       "}\n"
	       "mod external;\n"
	       "\n"
	       "#[derive(Debug, Clone)]\n"
	       "pub struct Point {\n"
	       "    x: i32,\n"
	       "    y: i32,\n"
	       "}\n"
	       "\n"
	       "pub(crate) struct Tuple(u8, u8);\n"
	       "\n"
	       "enum Shape {\n"
	       "    Circle { r: f64 },\n"
	       "    Square(f64),\n"
	       "}\n"
	       "\n"
	       "pub trait Area {\n"
	       "    fn area(&self) -> f64;\n"
	       "    fn describe(&self) -> String {\n"
	       "        format!(\"{}\", self.area())\n"
	       "    }\n"
	       "}\n"
	       "\n"
	       "impl<T: Display> Area for Wrapper<T> where T: Into<u8> {\n"
	       "    fn area(&self) -> f64 {\n"
	       "        let s = \"}{\";\n"
	       "        let c = '}';\n"
	       "        let l: &'static str = \"x\";\n"
	       "        /* nested /* comment */ } */\n"
	       "        0.0\n"
	       "    }\n"
	       "}\n"
	       "\n"
	       "impl Point {\n"
	       "    pub const fn new(x: i32) -> Self { Point { x, y: 0 } }\n"
	       "    async unsafe fn weird<'a>(&'a self) -> impl Fn() -> u8 + 'a { || 1 }\n"
	       "}\n"
	       "\n"
	       "macro_rules! my_macro {\n"
	       "    ($x:expr) => { $x };\n"
	       "}\n"
	       "\n"
	       "const MAX: usize = 10;\n"
	       "static mut COUNTER: u32 = 0;\n"
	       "type Result<T> = std::result::Result<T, Error>;\n"
	       "const RAW: &str = r#\"raw } { \" string\"#;\n"
	       "\n"
	       "fn main() {\n"
	       "    fn nested() {}\n"
	       "    let v: Vec<fn(u8)> = vec![];\n"
	       "}\n",
	       "5-7 module inline\n"
	       "6-6 function inner\n"
	       "8-8 module external\n"
	       "11-14 struct Point\n"
	       "16-16 struct Tuple\n"
	       "18-21 enum Shape\n"
	       "23-28 trait Area\n"
	       "25-27 method describe\n"
	       "30-38 impl Wrapper\n"
	       "31-37 method area\n"
	       "40-43 impl Point\n"
	       "41-41 method new\n"
	       "42-42 method weird\n"
	       "45-47 macro my_macro\n"
	       "49-49 const MAX\n"
	       "50-50 static COUNTER\n"
	       "51-51 type Result\n"
	       "52-52 const RAW\n"
	       "54-57 function main\n"
	       "55-55 function nested\n"
	       "import 1 std::collections::HashMap\n"
	       "import 2 crate::util (local)\n"
	       "import 2 crate::util::helper (local)\n"
	       "import 2 crate::util::nested::a (local)\n"
	       "import 2 crate::util::nested::b (local)\n"
	       "import 3 super::parent::* (local)\n"
	       "import 4 serde\n"
	       "import 8 external (local)\n");
}

/* java */
static void test_java(void)
{
	EXPECT(LANG_JAVA,
	       "package com.example;\n"
	       "\n"
	       "import java.util.List;\n"
	       "import java.util.*;\n"
	       "import static org.junit.Assert.assertEquals;\n"
	       "\n"
	       "@Deprecated\n"
	       "public class Outer<T extends Comparable<T>> extends Base implements Runnable {\n"
	       "    private static final int X = 1;\n"
	       "    private final Runnable r = () -> { run(); };\n"
	       "\n"
	       "    public Outer(int x) {\n"
	       "        super();\n"
	       "    }\n"
	       "\n"
	       "    @Override\n"
	       "    public void run() {\n"
	       "        if (x) { foo(); }\n"
	       "        String s = \"\"\"\n"
	       "            text } block {\n"
	       "            \"\"\";\n"
	       "    }\n"
	       "\n"
	       "    public <U> List<U> generic(List<? extends U> in) throws IOException, Exception "
	       "{\n"
	       "        return null;\n"
	       "    }\n"
	       "\n"
	       "    abstract void abstractMethod();\n"
	       "\n"
	       "    static {\n"
	       "        init();\n"
	       "    }\n"
	       "\n"
	       "    interface Inner {\n"
	       "        void m();\n"
	       "        default int d() { return 1; }\n"
	       "    }\n"
	       "\n"
	       "    enum Color {\n"
	       "        RED(\"r\") { void f() {} },\n"
	       "        GREEN(\"g\");\n"
	       "        private final String c;\n"
	       "        Color(String c) { this.c = c; }\n"
	       "        String code() { return c; }\n"
	       "    }\n"
	       "\n"
	       "    record Point(int x, int y) {\n"
	       "        int sum() { return x + y; }\n"
	       "    }\n"
	       "\n"
	       "    @interface Marker {\n"
	       "        String value() default \"\";\n"
	       "    }\n"
	       "}\n",
	       "8-54 class Outer\n"
	       "12-14 method Outer\n"
	       "17-22 method run\n"
	       "24-26 method generic\n"
	       "34-37 interface Inner\n"
	       "36-36 method d\n"
	       "39-45 enum Color\n"
	       "43-43 method Color\n"
	       "44-44 method code\n"
	       "47-49 record Point\n"
	       "48-48 method sum\n"
	       "51-53 annotation Marker\n"
	       "import 3 java.util.List\n"
	       "import 4 java.util.*\n"
	       "import 5 org.junit.Assert.assertEquals\n");
}

/* shell */
static void test_shell(void)
{
	EXPECT(LANG_SHELL,
	       "#!/bin/bash\n"
	       "source ./lib.sh\n"
	       ". \"$DIR/common.sh\"\n"
	       ". /etc/os-release\n"
	       "\n"
	       "usage() {\n"
	       "\techo \"usage: ${0##*/} }\"\n"
	       "\tcat <<EOF2\n"
	       "text with } and {\n"
	       "EOF2\n"
	       "}\n"
	       "\n"
	       "function setup {\n"
	       "\tlocal x='}'\n"
	       "\tif [ -n \"$x\" ]; then\n"
	       "\t\techo ok\n"
	       "\tfi\n"
	       "}\n"
	       "\n"
	       "function both() {\n"
	       "\t{ echo grouped; }\n"
	       "\techo $(( 1 << 2 ))\n"
	       "}\n"
	       "\n"
	       "cleanup ()\n"
	       "{\n"
	       "\trm -rf \"$tmp\"\n"
	       "}\n"
	       "\n"
	       "case \"$1\" in\n"
	       "\tstart) usage ;;\n"
	       "\t*) cleanup ;;\n"
	       "esac\n"
	       "echo } not a brace\n"
	       "last() { :; }\n",
	       "6-11 function usage\n"
	       "13-18 function setup\n"
	       "20-23 function both\n"
	       "25-28 function cleanup\n"
	       "35-35 function last\n"
	       "import 2 ./lib.sh (local)\n"
	       "import 3 $DIR/common.sh (local)\n"
	       "import 4 /etc/os-release\n");
}

/* ruby */
static void test_ruby(void)
{
	EXPECT(LANG_RUBY,
	       "require 'json'\n"
	       "require_relative \"lib/helper\"\n"
	       "\n"
	       "module Outer\n"
	       "  class Foo < Bar\n"
	       "    def initialize(x)\n"
	       "      @x = x\n"
	       "    end\n"
	       "\n"
	       "    def self.build; new(1); end\n"
	       "\n"
	       "    def value = @x\n"
	       "\n"
	       "    private def secret?\n"
	       "      if @x\n"
	       "        true\n"
	       "      end\n"
	       "    end\n"
	       "\n"
	       "    class << self\n"
	       "      def meta\n"
	       "      end\n"
	       "    end\n"
	       "  end\n"
	       "end\n"
	       "\n"
	       "=begin\n"
	       "def commented\n"
	       "end\n"
	       "=end\n"
	       "\n"
	       "def top_level(a, b)\n"
	       "  a + b\n"
	       "end\n",
	       "4-25 module Outer\n"
	       "5-24 class Foo\n"
	       "6-8 method initialize\n"
	       "10-10 method build\n"
	       "12-12 method value\n"
	       "14-18 method secret?\n"
	       "21-22 method meta\n"
	       "32-34 function top_level\n"
	       "import 1 json\n"
	       "import 2 lib/helper (local)\n");
}

/* make */
static void test_make(void)
{
	EXPECT(LANG_MAKE,
	       "include config.mk\n"
	       "-include extra.mk\n"
	       "CC := gcc\n"
	       "OBJS = a.o b.o\n"
	       ".PHONY: all clean\n"
	       "\n"
	       "all: prog\n"
	       "\n"
	       "prog: $(OBJS)\n"
	       "\t$(CC) -o $@ $^ \\\n"
	       "\t\t-lm\n"
	       "\n"
	       "%.o: %.c\n"
	       "\t$(CC) -c $<\n"
	       "\n"
	       "clean:\n"
	       "\trm -f prog\n"
	       "\n"
	       "define HELP\n"
	       "usage: make\n"
	       "endef\n"
	       "\n"
	       "foo bar: baz ; @echo hi\n"
	       "$(obj)/x.o: y\n",
	       "7-7 target all\n"
	       "9-11 target prog\n"
	       "13-14 target %.o\n"
	       "16-17 target clean\n"
	       "19-21 macro HELP\n"
	       "23-23 target bar\n"
	       "23-23 target foo\n"
	       "import 1 config.mk (local)\n"
	       "import 2 extra.mk (local)\n");
}

/* Shapes beyond the basic snippets that real code uses a lot. */
static void test_more_shapes(void)
{
	EXPECT(LANG_JS,
	       "Foo.prototype.bar = function (x) {\n"
	       "  return x;\n"
	       "};\n"
	       "module.exports = function () {};\n"
	       "exports.util = async function () {\n"
	       "};\n"
	       "x.y = 5;\n",
	       "1-3 method bar\n"
	       "5-6 function util\n");
	EXPECT(LANG_JS,
	       "export default function App({ items }) {\n"
	       "  return (\n"
	       "    <p className=\"x\">Don't {items.length}</p>\n"
	       "  );\n"
	       "}\n"
	       "export const Item = ({ name }) => <li>{name}</li>;\n",
	       "1-5 function App\n"
	       "6-6 function Item\n");
	EXPECT(LANG_RUST,
	       "impl<T, const N: usize> From<[T; N]> for Box<[T]> {\n"
	       "    fn from(a: [T; N]) -> Self {\n"
	       "    }\n"
	       "}\n",
	       "1-4 impl Box\n"
	       "2-3 method from\n");
	EXPECT(LANG_GO, "package p\nfunc (s *Stack[T]) Push(v T) {\n}\nvar f = func() {}\n",
	       "2-3 method Push\n");
	EXPECT(LANG_CPP,
	       "namespace a::b {\n"
	       "template <typename T, typename U = std::map<int, int>>\n"
	       "struct Box final : Base {\n"
	       "\texplicit Box(T v) noexcept : v_(std::move(v)) {}\n"
	       "\toperator bool() const { return true; }\n"
	       "\tauto size() const -> std::size_t { return 1; }\n"
	       "};\n"
	       "}\n"
	       "class EXPORT Widget : public QObject {\n"
	       "public slots:\n"
	       "\tvoid onClick();\n"
	       "};\n"
	       "void Widget::onClick() { }\n",
	       "1-8 namespace b\n"
	       "3-7 struct Box\n"
	       "4-4 method Box\n"
	       "5-5 method operator bool\n"
	       "6-6 method size\n"
	       "9-12 class Widget\n"
	       "13-13 method onClick\n");
	EXPECT(LANG_C,
	       "typedef void (int_routine)(unsigned short);\n"
	       "typedef int_routine *int_routine_ptr;\n"
	       "typedef int word_t __attribute__((aligned(8)));\n"
	       "typedef struct a a_t, *a_p;\n",
	       "1-1 typedef int_routine\n"
	       "2-2 typedef int_routine_ptr\n"
	       "3-3 typedef word_t\n"
	       "4-4 typedef a_p\n"
	       "4-4 typedef a_t\n");
}

static void test_nul_bytes(void)
{
	static const char c[] = "int a(void)\0{ }\nint b(void) { return '\0'; }\n#define C\0D 1\n";
	static const char py[] = "def f():\n    x = '\0'\n\0\ndef g(\0):\n    pass\n";

	EXPECT_N(LANG_C, c, sizeof(c) - 1,
	         "1-1 function a\n"
	         "2-2 function b\n"
	         "3-3 constant C\n");
	EXPECT_N(LANG_PYTHON, py, sizeof(py) - 1,
	         "1-2 function f\n"
	         "4-5 function g\n");
	survive(c, sizeof(c) - 1);
	survive(py, sizeof(py) - 1);
}

static void test_unterminated(void)
{
	EXPECT(LANG_C, "int f(void) { return 1; }\n/* never closed\nint g(void) { }\n",
	       "1-1 function f\n");
	/* a string or character literal ends with its line */
	EXPECT(LANG_C, "int f(void) { char *s = \"abc\n; }\nint g(void) { return 0; }\n",
	       "1-2 function f\n"
	       "3-3 function g\n");
	EXPECT(LANG_C, "#define Q '\nint f(void) { }\n", "1-1 constant Q\n2-2 function f\n");
	EXPECT(LANG_C, "int f(void) { // {\n}\n", "1-2 function f\n");
	EXPECT(LANG_PYTHON, "def f():\n    s = \"\"\"never closed\ndef g():\n    pass\n",
	       "1-4 function f\n");
	EXPECT(LANG_RUST, "fn f() {}\n/* /* nested */ still open\nfn g() {}\n", "1-1 function f\n");
	/* bodies that never close keep an unknown end line */
	EXPECT(LANG_JS, "function f() { return `open ${x; }\n", "1-1 function f\n");
	EXPECT(LANG_SHELL, "f() {\n\tcat <<EOF\n}\n", "1-1 function f\n");
	EXPECT(LANG_JAVA, "class A { String s = \"\"\"\n}\n", "1-1 class A\n");
	survive("/*", 2);
	survive("\"", 1);
	survive("'", 1);
	survive("`${", 3);
	survive("r#\"", 3);
	survive("#if 0\n", 6);
	survive("<<EOF", 5);
	survive("=begin", 6);
	survive("\\", 1);
}

static void test_unbalanced(void)
{
	EXPECT(LANG_C, "}\n}\nint f(void) { }\n", "3-3 function f\n");
	EXPECT(LANG_C, "int f(void)) { }\nint g(void) { }\n", "1-1 function f\n2-2 function g\n");
	/* an unclosed body hides what follows: its end line stays unknown */
	EXPECT(LANG_C, "int f(void) {\n{\n}\nint g(void) { }\n", "1-1 function f\n");
	EXPECT(LANG_CPP, "class A {\n};\n}\n}\nvoid B::m() {\n}\n", "1-2 class A\n5-6 method m\n");
	/* no expression can hold a def, so an unclosed bracket gives up there */
	EXPECT(LANG_PYTHON, "x = foo(\ndef f():\n    pass\n", "2-3 function f\n");
	EXPECT(LANG_GO, "}\n}\nfunc f() {\n}\n", "3-4 function f\n");
	EXPECT(LANG_RUST, "}\nfn f() {\n}\n", "2-3 function f\n");
	EXPECT(LANG_JS, "}\n)\nfunction f() {\n}\n", "3-4 function f\n");
	EXPECT(LANG_JAVA, "}\nclass A {\n  void m() {}\n}\n", "2-4 class A\n3-3 method m\n");
	EXPECT(LANG_SHELL, "}\n}\nf() {\n\t:\n}\n", "3-5 function f\n");
	EXPECT(LANG_RUBY, "end\nend\ndef f\nend\n", "3-4 function f\n");
	/* branches of an #if that leave braces unbalanced are read once */
	EXPECT(LANG_C,
	       "int f(int a)\n"
	       "{\n"
	       "#ifdef X\n"
	       "\tif (a) {\n"
	       "#else\n"
	       "\tif (!a) {\n"
	       "#endif\n"
	       "\t\treturn 1;\n"
	       "\t}\n"
	       "\treturn 0;\n"
	       "}\n"
	       "int g(void) { }\n",
	       "1-11 function f\n"
	       "12-12 function g\n");
}

static void test_long_lines(void)
{
	size_t n = 1 << 20, i;
	char *b = xmalloc(n + 64), *name;

	/* a function body one megabyte long on a single line */
	memcpy(b, "int f(void) { ", 14);
	for (i = 14; i + 12 < n; i += 11)
		memcpy(b + i, "x = y + 1; ", 11);
	memcpy(b + i, "}\nint g(void) {}\n", 17);
	EXPECT_N(LANG_C, b, i + 17, "1-1 function f\n2-2 function g\n");
	survive(b, i + 17);

	memcpy(b, "def f(): return ", 16);
	for (i = 16; i + 8 < n; i += 4)
		memcpy(b + i, "1 + ", 4);
	memcpy(b + i, "1\ndef g(): pass\n", 16);
	EXPECT_N(LANG_PYTHON, b, i + 16, "1-1 function f\n2-2 function g\n");
	free(b);

	/* names longer than 128 bytes are skipped, 128 is kept */
	name = repeat("a", 129);
	b = xasprintf("int %.*s(void) { }\nint %.*s(void) { }\n", 129, name, 128, name);
	EXPECT(LANG_C, b,
	       "2-2 function aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	free(b);
	free(name);

	/* a megabyte of one character, for every language */
	{
		static const char *const pats[] = { "(",  "{",        "}",       "/[",      "\"",
			                            "'",  "`${",      "#if 0\n", "/*",      "<",
			                            "r#", "def f(\n", "'''",     "\\\n",    "a:\n",
			                            "$(", "<<E\n",    "class ",  "use a::{" };
		for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
			b = repeat(pats[i], n);
			survive(b, n);
			free(b);
		}
	}
}

static void test_crlf(void)
{
	EXPECT(LANG_C, "#define A 1\r\n#define B \\\r\n\t2\r\nint\r\nf(void)\r\n{\r\n}\r\n",
	       "1-1 constant A\n"
	       "2-3 constant B\n"
	       "5-7 function f\n");
	EXPECT(LANG_PYTHON,
	       "import os\r\ndef f():\r\n    pass\r\n\r\nclass C:\r\n    def m(self):\r\n        "
	       "pass\r\n",
	       "2-3 function f\n"
	       "5-7 class C\n"
	       "6-7 method m\n"
	       "import 1 os\n");
	EXPECT(LANG_SHELL, "f() {\r\n\techo\r\n}\r\n", "1-3 function f\n");
	EXPECT(LANG_GO, "package p\r\n\r\nfunc f() {\r\n}\r\n", "3-4 function f\n");
	EXPECT(LANG_RUBY, "class A\r\n  def m\r\n  end\r\nend\r\n", "1-4 class A\n2-3 method m\n");
}

static void test_invalid_utf8(void)
{
	EXPECT(LANG_C, "int f\xff(void) { }\nint g(void) { }\n", "2-2 function g\n");
	EXPECT(LANG_C, "#include \"a\xff.h\"\n#include \"ok.h\"\n", "import 2 ok.h (local)\n");
	EXPECT(LANG_PYTHON, "def caf\xc3\xa9():\n    pass\ndef bad\xff():\n    pass\n",
	       "1-2 function caf\xc3\xa9\n");
	EXPECT(LANG_JS, "function ok\xc3\xa9() {}\nfunction b\xe2(x) {}\n",
	       "1-1 function ok\xc3\xa9\n");
	EXPECT(LANG_GO, "package p\nfunc \xed\xa0\x80() {}\nfunc g() {}\n", "3-3 function g\n");
	survive("\xff\xfe\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80", 11);
}

static void test_keywords(void)
{
	EXPECT(LANG_C,
	       "int main(void)\n"
	       "{\n"
	       "\tif (x) { }\n"
	       "\twhile (y) { }\n"
	       "\tfor (;;) { }\n"
	       "\tswitch (z) { }\n"
	       "\treturn sizeof(int);\n"
	       "}\n",
	       "1-8 function main\n");
	/* a stray '}' puts body code at file scope: still no keyword is a function */
	EXPECT(LANG_C,
	       "}\nif (x) {\n}\nwhile (y) {\n}\nfor (;;) {\n}\nswitch (z) {\n}\n"
	       "do {\n} while (0);\nreturn sizeof(x);\nelse {\n}\n",
	       "");
	EXPECT(LANG_CPP, "}\ncatch (E e) {\n}\nnew (p) T{};\n", "");
	EXPECT(LANG_JS, "if (x) {\n}\nfor (;;) {\n}\nwhile (y) {}\nswitch (z) {}\n", "");
	EXPECT(LANG_JAVA, "class A {\n  static {\n    if (x) { }\n  }\n}\n", "1-5 class A\n");
}

static void test_declarations(void)
{
	/* prototypes and calls are not definitions */
	EXPECT(LANG_C,
	       "int f(int);\n"
	       "static void g(void) __attribute__((noreturn));\n"
	       "extern int h(const char *, ...);\n"
	       "int (*fp)(int);\n"
	       "void k(void) __acquires(x);\n"
	       "int v = call(1);\n"
	       "EXPORT_SYMBOL(f);\n"
	       "int body(void)\n"
	       "{\n"
	       "\tg(1);\n"
	       "\tstruct s t = { 0 };\n"
	       "\treturn h(\"x\");\n"
	       "}\n",
	       "8-13 function body\n");
	EXPECT(LANG_CPP,
	       "class A {\n\tvoid m();\n\tvirtual int n() const = 0;\n\tA();\n\t~A();\n};\n",
	       "1-6 class A\n");
	EXPECT(LANG_JAVA, "interface I {\n  void m();\n}\n", "1-3 interface I\n");
	EXPECT(LANG_RUST, "trait T {\n    fn m(&self);\n}\nextern \"C\" {\n    fn c();\n}\n",
	       "1-3 trait T\n");
	EXPECT(LANG_GO, "package p\nfunc asm(x int) int\n", "");
}

static void test_caps(void)
{
	size_t n = 100005, i;
	char *b = xmalloc(n * 16), *p = b;
	struct syms s = SYMS_INIT;

	for (i = 0; i < n; i++)
		p += sprintf(p, "#define M%zu\n", i);
	syms_extract(LANG_C, b, (size_t)(p - b), &s);
	CHECK_INT(s.n, 100000);
	check_sane(&s);
	syms_release(&s);

	p = b;
	for (i = 0; i < 10005; i++)
		p += sprintf(p, "#include <h%zu.h>\n", i);
	syms_extract(LANG_C, b, (size_t)(p - b), &s);
	CHECK_INT(s.nimp, 10000);
	CHECK_INT(s.n, 0);
	check_sane(&s);
	syms_release(&s);
	free(b);
}

static void test_order(void)
{
	static const char src[] = "int f(void)\n#define M 1\n{\n}\n#include \"a.h\"\n";
	struct syms s = SYMS_INIT;

	/* f is found at its '{', after M, but sorts first by line */
	EXPECT(LANG_C, src, "1-4 function f\n2-2 constant M\nimport 5 a.h (local)\n");
	/* appending keeps the whole array sorted */
	syms_extract(LANG_C, src, strlen(src), &s);
	syms_extract(LANG_PYTHON, "import z\ndef a(): pass\n", 23, &s);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.nimp, 2);
	check_sane(&s);
	CHECK_STR(s.v[0].name, "f");
	CHECK_STR(s.v[1].name, "M"); /* line 2 twice: by name, bytewise */
	CHECK_STR(s.v[2].name, "a");
	CHECK_STR(s.imp[0].target, "z");
	CHECK_STR(s.imp[1].target, "a.h");
	syms_release(&s);
	CHECK(s.v == NULL && s.n == 0 && s.imp == NULL && s.nimp == 0);
}

static void test_no_extractor(void)
{
	static const char md[] = "# Title\ndef f():\n    pass\nint main(void) { }\n";
	struct syms s = SYMS_INIT;

	EXPECT(LANG_NONE, md, "");
	EXPECT(LANG_MARKDOWN, md, "");
	EXPECT(LANG_JSON, "{\"a\": 1}", "");
	syms_extract(LANG_C, NULL, 0, &s);
	syms_extract(LANG_C, "", 0, &s);
	syms_extract((enum lang)999, md, strlen(md), &s);
	CHECK_INT(s.n, 0);
	syms_release(&s);
}

/* Random mixes of tokens every scanner reacts to: no crash, sane results. */
static void test_random(void)
{
	static const char *const frag[] = {
		"{",          "}",         "(",          ")",
		"[",          "]",         "<",          ">",
		";",          ",",         "=",          ":",
		"::",         "'",         "\"",         "`",
		"/",          "*",         "/*",         "*/",
		"//",         "\\",        "\n",         "\r\n",
		" ",          "\t",        "#",          "#if 0\n",
		"#else\n",    "#endif\n",  "#define X ", "#include \"",
		"struct ",    "class ",    "typedef ",   "enum ",
		"namespace ", "template ", "operator",   "extern \"C\" ",
		"def ",       "import ",   "from ",      "async ",
		"function ",  "const ",    "=>",         "interface ",
		"type ",      "func ",     "fn ",        "impl ",
		"mod ",       "use ",      "pub ",       "macro_rules! ",
		"record ",    "@",         "${",         "r#\"",
		"\"#",        "'a",        "$(",         "<<EOF\n",
		"EOF\n",      "source ",   "()",         "end\n",
		"require ",   "define ",   "endef\n",    "foo",
		"x",          "\xff",      "\xc3\xa9",   "R\"(",
		")\"",        "->",        "?",          "|",
		"&",          "\"\"\"",    "'''",        "=begin\n",
		"export ",    "static ",   "trait ",     "for ",
		"where ",     "if ",       "return ",    "sizeof",
	};
	size_t nf = sizeof(frag) / sizeof(frag[0]), n, k;
	unsigned seed = 12345;
	char buf[4096];
	int it;

	for (it = 0; it < 400; it++) {
		char *t;
		n = 0;
		for (;;) {
			const char *f;
			seed = seed * 1103515245 + 12345;
			f = frag[(seed >> 8) % nf];
			k = strlen(f);
			if (n + k > sizeof(buf) || (seed >> 20) % 97 == 0)
				break;
			memcpy(buf + n, f, k);
			n += k;
		}
		t = xmalloc(n ? n : 1);
		memcpy(t, buf, n);
		survive(t, n);
		free(t);
	}
}

int main(void)
{
	test_c_basic();
	test_c_styles();
	test_cpp();
	test_python();
	test_js();
	test_ts();
	test_go();
	test_rust();
	test_java();
	test_shell();
	test_ruby();
	test_make();
	test_more_shapes();
	test_nul_bytes();
	test_unterminated();
	test_unbalanced();
	test_long_lines();
	test_crlf();
	test_invalid_utf8();
	test_keywords();
	test_declarations();
	test_caps();
	test_order();
	test_no_extractor();
	test_random();
	return check_done("test_symbols");
}
