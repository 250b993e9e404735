/* The median of n figures, sorted in place: for bench.c and verify.c, two programs. */
#ifndef BENCH_MEDIAN_H
#define BENCH_MEDIAN_H

static double
median_of(double *v, int n)
{
	double t;
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i])
				t = v[i], v[i] = v[j], v[j] = t;
	return v[n / 2];
}

#endif
