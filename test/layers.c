/*
 * The layers, checked rather than stated. The README's "Reading the code"
 * lists the daemon's modules from the bottom up, with each file's line
 * count and a * on the core. This reads that table and the sources in the
 * current directory, and fails when a file includes the header of a module
 * above its own, when a file is missing from the table or its count is
 * stale, or when the totals the README states are wrong. Where nm can read
 * the objects, every call from one object into another must go down too,
 * so a prototype written by hand cannot climb past the include check.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

#define MODULES 64

static struct module {
	char name[32];
	int core;
	long lines[2];                  /* .c and .h as the README says; -1: no such file */
} mod[MODULES];
static int nmod;

/* the module a file name belongs to, by its position in the table; -1 if none */
static int
position(const char *file)
{
	char name[32];
	size_t n = strcspn(file, ".");
	int i;

	snprintf(name, sizeof name, "%.*s", (int)n, file);
	for (i = 0; i < nmod; i++)
		if (strcmp(mod[i].name, name) == 0)
			return i;
	return -1;
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

/* the first number after needle in text, commas allowed (6,108); -1 if none */
static long
number_after(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	long v = -1;

	if (p == NULL)
		return -1;
	for (p += strlen(needle); *p && !isdigit((unsigned char)*p); p++)
		;
	for (; isdigit((unsigned char)*p) || (*p == ',' && isdigit((unsigned char)p[1])); p++)
		if (*p != ',')
			v = (v < 0 ? 0 : v * 10) + (*p - '0');
	return v;
}

/* the table, and the prose before it; 0 if it cannot be read */
static int
read_table(char *prose, size_t cap)
{
	FILE *f = fopen("README", "r");
	char line[512], name[32], c[16], h[16];
	size_t len = 0;
	int in = 0;

	prose[0] = '\0';
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (!in) {
			in = strncmp(line, "Reading the code", 16) == 0;
			continue;
		}
		if (sscanf(line, "    %31[a-z0-9*] %15s %15s", name, c, h) == 3 && (isdigit((unsigned char)c[0]) ||
		    c[0] == '-') && (isdigit((unsigned char)h[0]) || h[0] == '-') && nmod < MODULES) {
			struct module *m = &mod[nmod++];
			m->core = name[strlen(name) - 1] == '*';
			name[strcspn(name, "*")] = '\0';
			snprintf(m->name, sizeof m->name, "%s", name);
			m->lines[0] = c[0] == '-' ? -1 : atol(c);
			m->lines[1] = h[0] == '-' ? -1 : atol(h);
		} else if (nmod > 0 && line[0] == '\n')
			break;                          /* the end of the table */
		else if (nmod == 0 && len + strlen(line) < cap) {
			line[strcspn(line, "\n")] = ' ';
			strcpy(prose + len, line);
			len += strlen(line);
		}
	}
	fclose(f);
	return nmod > 0;
}

/* every #include "x.h" of file names a module at or below pos */
static void
includes(const char *file, int pos)
{
	FILE *f = fopen(file, "r");
	char line[512], inc[64];
	int p;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "#include \"%63[^\"]\"", inc) == 1) {
			p = position(inc);
			check(p >= 0 && p <= pos, "layers: %s includes %s, %s", file, inc,
			    p < 0 ? "which is not in the README's table" : "the header of a module above it");
		}
	if (f)
		fclose(f);
}

/*
 * nm -P on each module's object: the functions it defines (T) and the
 * symbols it needs (U). A call into another module must go down. 0 where
 * nm or the objects are not here.
 */
static int
calls(void)
{
	static char defined[MODULES][8192];
	char cmd[128], line[512], sym[256], type[8];
	int i, k, n = 0;
	FILE *p;

	for (i = 0; i < nmod; i++) {
		if (mod[i].lines[0] < 0)
			continue;
		snprintf(cmd, sizeof cmd, "nm -P -g %.31s.o 2>/dev/null", mod[i].name);
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
		if (mod[i].lines[0] < 0)
			continue;
		snprintf(cmd, sizeof cmd, "nm -P -u %.31s.o 2>/dev/null", mod[i].name);
		if ((p = popen(cmd, "r")) == NULL)
			return 0;
		while (fgets(line, sizeof line, p)) {
			char want[260];
			if (sscanf(line, "%255s", sym) != 1)
				continue;
			snprintf(want, sizeof want, " %s ", sym);
			for (k = 0; k < nmod; k++)
				if (k != i && strstr(defined[k], want))
					check(k < i, "layers: %s.o calls %s in %s.o, a module above it", mod[i].name, sym,
					    mod[k].name);
		}
		pclose(p);
	}
	return 1;
}

void
layers_tests(void)
{
	static char prose[8192];
	char path[64], what[64];
	struct dirent *d;
	DIR *dir;
	long total = 0, core = 0, got;
	int i, k, files = 0;

	if (!read_table(prose, sizeof prose)) {
		check(0, "layers: README's \"Reading the code\" table can be read");
		return;
	}
	if ((dir = opendir(".")) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		size_t n = strlen(d->d_name);
		if (n < 3 || d->d_name[0] == '.' || (strcmp(d->d_name + n - 2, ".c") && strcmp(d->d_name + n - 2, ".h")))
			continue;
		check(position(d->d_name) >= 0, "layers: %s is in the README's table", d->d_name);
	}
	closedir(dir);
	for (i = 0; i < nmod; i++)
		for (k = 0; k < 2; k++) {
			snprintf(path, sizeof path, "%.31s.%c", mod[i].name, k ? 'h' : 'c');
			got = count_lines(path);
			check(got == mod[i].lines[k], "layers: %s has %ld lines; the README says %ld", path, got,
			    mod[i].lines[k]);
			if (got < 0)
				continue;
			files++;
			total += got;
			core += mod[i].core ? got : 0;
			includes(path, i);
		}
	got = number_after(prose, "The daemon is ");
	snprintf(what, sizeof what, "%ld lines in %d files", total, files);
	check(got == total && number_after(prose, " lines in ") == files, "layers: the daemon is %s; the README says "
	    "%ld lines in %ld files", what, got, number_after(prose, " lines in "));
	got = number_after(prose, "marked *, is ");
	check(got == core, "layers: the core is %ld lines; the README says %ld", core, got);
	if (!calls())
		printf("skipped: the calls between objects, which needs nm and objects it can read\n");
	printf("layers: %d modules, %d files, %ld lines, the core %ld\n", nmod, files, total, core);
}
