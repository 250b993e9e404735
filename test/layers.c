/*
 * The layers, checked rather than stated. The README's "Reading the code"
 * gives the tree (each folder with its line count), then each folder's
 * modules from the bottom up, with each file's line count and a * on the
 * core. This reads those tables and the sources, and fails when a file
 * includes a header it may not: one above its own in its folder, or one of
 * another folder but as the folders stack (openclaw/ uses the root and
 * crypto/; the root uses the root, and only gateway.c, its top, wires
 * openclaw/ in; crypto/ uses crypto/). It fails too when a file is missing
 * from the tables or a count is stale. Where nm can read the objects,
 * every call from one object into another must obey the same rule, so a
 * prototype written by hand cannot climb past the include check.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

#define MODULES 64
#define FOLDERS 4

static struct folder {
	char path[16];                  /* "" for the root, else "name/" */
	long lines;                     /* as the tree says */
} dirs[FOLDERS];
static int ndirs;
static struct module {
	char name[32];
	int dir, core;
	long lines[2];                  /* .c and .h as the README says; -1: no such file */
} mod[MODULES];
static int nmod;

static int
folder(const char *path)
{
	int i;

	for (i = 0; i < ndirs; i++)
		if (strcmp(dirs[i].path, path) == 0)
			return i;
	return -1;
}

/* the module a file name of folder dir belongs to; -1 if none */
static int
position(int dir, const char *file)
{
	char name[32];
	size_t n = strcspn(file, ".");
	int i;

	snprintf(name, sizeof name, "%.*s", (int)n, file);
	for (i = 0; i < nmod; i++)
		if (mod[i].dir == dir && strcmp(mod[i].name, name) == 0)
			return i;
	return -1;
}

/* may module a use module b? The order within a folder, and how the folders stack */
static int
allowed(int a, int b)
{
	const char *da = dirs[mod[a].dir].path, *db = dirs[mod[b].dir].path;

	if (mod[a].dir == mod[b].dir)
		return b <= a;
	if (strcmp(da, "openclaw/") == 0)
		return (strcmp(db, "") == 0 && strcmp(mod[b].name, "gateway") != 0) || strcmp(db, "crypto/") == 0;
	return strcmp(da, "") == 0 && strcmp(mod[a].name, "gateway") == 0 && strcmp(db, "openclaw/") == 0;
}

static long
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;

	if (f == NULL)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* a number with thousands commas (6,108); -1 if none */
static long
number_at(const char *p)
{
	long v = -1;

	for (; isdigit((unsigned char)*p) || (*p == ',' && v >= 0 && isdigit((unsigned char)p[1])); p++)
		if (*p != ',')
			v = (v < 0 ? 0 : v * 10) + (*p - '0');
	return v;
}

/* the first number after needle in text; -1 if none */
static long
number_after(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	if (p == NULL)
		return -1;
	for (p += strlen(needle); *p && !isdigit((unsigned char)*p); p++)
		;
	return number_at(p);
}

/*
 * The tree ("    name/   N lines  ..."), the tables ("    name/   .c   .h",
 * then a row a module up to a blank line) and the prose before the first
 * table; 0 if they cannot be read.
 */
static int
read_tables(char *prose, size_t cap)
{
	FILE *f = fopen("README", "r");
	char line[512], name[32], c[16], h[16];
	size_t len = 0;
	int in = 0, table = -1, tables = 0;

	prose[0] = '\0';
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (!in) {
			in = strncmp(line, "Reading the code", 16) == 0;
			continue;
		}
		if (line[0] == '\n') {
			if (table >= 0 && tables == ndirs)
				break;                  /* the end of the last table */
			table = -1;
			continue;
		}
		if (sscanf(line, "    %31s %15s %15s", name, c, h) == 3 && name[strlen(name) - 1] == '/') {
			if (strcmp(name, "./") == 0)
				name[0] = '\0';
			if (strcmp(c, ".c") == 0 && strcmp(h, ".h") == 0) {
				table = folder(name);
				tables++;
			} else if (strcmp(h, "lines") == 0 && ndirs < FOLDERS) {
				snprintf(dirs[ndirs].path, sizeof dirs[ndirs].path, "%s", name);
				dirs[ndirs++].lines = number_at(c);
			}
			continue;
		}
		if (table >= 0 && sscanf(line, "    %31[a-z0-9_*] %15s %15s", name, c, h) == 3 &&
		    (isdigit((unsigned char)c[0]) || c[0] == '-') && (isdigit((unsigned char)h[0]) || h[0] == '-') &&
		    nmod < MODULES) {
			struct module *m = &mod[nmod++];
			m->core = name[strlen(name) - 1] == '*';
			name[strcspn(name, "*")] = '\0';
			snprintf(m->name, sizeof m->name, "%s", name);
			m->dir = table;
			m->lines[0] = c[0] == '-' ? -1 : atol(c);
			m->lines[1] = h[0] == '-' ? -1 : atol(h);
		} else if (tables == 0 && len + strlen(line) < cap) {
			line[strcspn(line, "\n")] = ' ';
			strcpy(prose + len, line);
			len += strlen(line);
		}
	}
	fclose(f);
	return nmod > 0 && ndirs > 0 && tables == ndirs;
}

/* the module an #include "inc" of a file in folder dir names, as the compiler finds it (-I.); -1 if none */
static int
included(int dir, const char *inc)
{
	char path[96], where[16];
	const char *slash = strrchr(inc, '/');
	int d;

	if (slash == NULL) {
		snprintf(path, sizeof path, "%s%s", dirs[dir].path, inc);
		d = access(path, F_OK) == 0 ? dir : folder("");        /* its own folder first, then the root */
		return d < 0 ? -1 : position(d, inc);
	}
	snprintf(where, sizeof where, "%.*s", (int)(slash - inc + 1), inc);
	return (d = folder(where)) < 0 ? -1 : position(d, slash + 1);
}

/* every #include "x.h" of file, module pos, names a module it may use */
static void
includes(const char *file, int pos)
{
	FILE *f = fopen(file, "r");
	char line[512], inc[64];
	int p;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "#include \"%63[^\"]\"", inc) == 1) {
			p = included(mod[pos].dir, inc);
			check(p >= 0 && allowed(pos, p), "layers: %s includes %s, %s", file, inc,
			    p < 0 ? "which is not in the README's tables" :
			    mod[p].dir == mod[pos].dir ? "the header of a module above it" :
			    "the header of a folder it may not use");
		}
	if (f)
		fclose(f);
}

/*
 * Whether module i has an object of its own: a backend that event.c
 * includes has none, and its calls are event.o's.
 */
static int
has_object(int i)
{
	char obj[64];

	snprintf(obj, sizeof obj, "%s%.31s.o", dirs[mod[i].dir].path, mod[i].name);
	return mod[i].lines[0] >= 0 && access(obj, F_OK) == 0;
}

/*
 * nm -P on each module's object: the functions it defines (T) and the
 * symbols it needs (U). A call into another module must be one it may
 * make. 0 where nm or the objects are not here.
 */
static int
calls(void)
{
	static char defined[MODULES][8192];
	char cmd[160], line[512], sym[256], type[8];
	int i, k, n = 0;
	FILE *p;

	for (i = 0; i < nmod; i++) {
		if (!has_object(i))
			continue;
		snprintf(cmd, sizeof cmd, "nm -P -g %s%.31s.o 2>/dev/null", dirs[mod[i].dir].path, mod[i].name);
		if ((p = popen(cmd, "r")) == NULL)
			return 0;
		defined[i][0] = ' ';
		defined[i][1] = '\0';
		while (fgets(line, sizeof line, p))
			if (sscanf(line, "%255s %7s", sym, type) == 2 && (type[0] == 'T' || type[0] == 't') &&
			    strlen(defined[i]) + strlen(sym) + 2 < sizeof defined[i]) {
				strcat(defined[i], sym);
				strcat(defined[i], " ");
				n++;
			}
		if (pclose(p) != 0)
			return 0;               /* no nm, no object, or one nm cannot read (a cross build) */
	}
	if (n == 0)
		return 0;
	for (i = 0; i < nmod; i++) {
		if (!has_object(i))
			continue;
		snprintf(cmd, sizeof cmd, "nm -P -u %s%.31s.o 2>/dev/null", dirs[mod[i].dir].path, mod[i].name);
		if ((p = popen(cmd, "r")) == NULL)
			return 0;
		while (fgets(line, sizeof line, p)) {
			char want[260];
			if (sscanf(line, "%255s", sym) != 1)
				continue;
			snprintf(want, sizeof want, " %s ", sym);
			for (k = 0; k < nmod; k++)
				if (k != i && strstr(defined[k], want))
					check(allowed(i, k), "layers: %s%s.o calls %s in %s%s.o, which it may not use",
					    dirs[mod[i].dir].path, mod[i].name, sym, dirs[mod[k].dir].path, mod[k].name);
		}
		pclose(p);
	}
	return 1;
}

/* every .c and .h of each folder is in its table */
static void
listed(void)
{
	struct dirent *d;
	DIR *dir;
	int i;

	for (i = 0; i < ndirs; i++) {
		if ((dir = opendir(dirs[i].path[0] ? dirs[i].path : ".")) == NULL) {
			check(0, "layers: the folder %s of the README's tree exists", dirs[i].path);
			continue;
		}
		while ((d = readdir(dir)) != NULL) {
			size_t n = strlen(d->d_name);
			if (n < 3 || d->d_name[0] == '.' ||
			    (strcmp(d->d_name + n - 2, ".c") && strcmp(d->d_name + n - 2, ".h")))
				continue;
			check(position(i, d->d_name) >= 0, "layers: %s%s is in the README's table of %s", dirs[i].path,
			    d->d_name, dirs[i].path[0] ? dirs[i].path : "./");
		}
		closedir(dir);
	}
}

void
layers_tests(void)
{
	static char prose[8192];
	char path[96], what[64];
	long total = 0, core = 0, in[FOLDERS] = { 0 }, got;
	int i, k, files = 0;

	if (!read_tables(prose, sizeof prose)) {
		check(0, "layers: README's \"Reading the code\" tree and tables can be read");
		return;
	}
	check(folder("") >= 0, "layers: the tree has the root, ./");
	listed();
	for (i = 0; i < nmod; i++)
		for (k = 0; k < 2; k++) {
			snprintf(path, sizeof path, "%s%.31s.%c", dirs[mod[i].dir].path, mod[i].name, k ? 'h' : 'c');
			got = count_lines(path);
			check(got == mod[i].lines[k], "layers: %s has %ld lines; the README says %ld", path, got,
			    mod[i].lines[k]);
			if (got < 0)
				continue;
			files++;
			total += got;
			in[mod[i].dir] += got;
			core += mod[i].core ? got : 0;
			includes(path, i);
		}
	for (i = 0; i < ndirs; i++)
		check(in[i] == dirs[i].lines, "layers: %s is %ld lines; the README's tree says %ld",
		    dirs[i].path[0] ? dirs[i].path : "./", in[i], dirs[i].lines);
	got = number_after(prose, "The daemon is ");
	snprintf(what, sizeof what, "%ld lines in %d files", total, files);
	check(got == total && number_after(prose, " lines in ") == files, "layers: the daemon is %s; the README says "
	    "%ld lines in %ld files", what, got, number_after(prose, " lines in "));
	got = number_after(prose, "marked *, is ");
	check(got == core, "layers: the core is %ld lines; the README says %ld", core, got);
	if (!calls())
		printf("skipped: the calls between objects, which needs nm and objects it can read\n");
	printf("layers: %d modules in %d folders, %d files, %ld lines, the core %ld\n", nmod, ndirs, files, total,
	    core);
}
