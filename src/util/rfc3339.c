/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rfc3339.c - RFC 3339 date-times and the clocks (see rfc3339.h).  Dates
 * are converted with Howard Hinnant's days-from-civil algorithms, which
 * hold for the whole proleptic Gregorian calendar without timegm(3) and
 * its dependence on the process's time zone.
 */
#include "rfc3339.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
cb_time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
cb_time_now_ms(void)
{
	return cb_time_now_us() / 1000;
}

uint64_t
cb_time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
num(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long z, long *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y += *m <= 2;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int
cb_time_parse(const char *s, size_t len, char out[CB_TIME_MAX], int64_t *us,
    const char **why)
{
	int Y, M, D, h, mi, sec, oh = 0, om = 0, sign = 0, d2, m2;
	size_t p = 19, frac = 0, fracpos = 0;
	long mins, days, y2;

	*why = "expected an RFC 3339 date-time such as 2026-02-06T09:30:00Z";
	if (len < 20 || len > 35)
		return 0;
	if (!num(s, 4, &Y) || s[4] != '-' || !num(s + 5, 2, &M) || s[7] != '-' ||
	    !num(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !num(s + 11, 2, &h) || s[13] != ':' || !num(s + 14, 2, &mi) || s[16] != ':' ||
	    !num(s + 17, 2, &sec))
		return 0;
	if (s[p] == '.') {
		fracpos = ++p;
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
		frac = p - fracpos;
		if (frac == 0 || frac > 9)
			return 0;
	}
	if (p < len && (s[p] == 'Z' || s[p] == 'z'))
		p++;
	else if (p + 6 == len && (s[p] == '+' || s[p] == '-') && num(s + p + 1, 2, &oh) &&
	    s[p + 3] == ':' && num(s + p + 4, 2, &om)) {
		sign = s[p] == '-' ? -1 : 1;
		p += 6;
	} else {
		*why = "a date-time needs a time zone: Z or an offset such as +02:00";
		return 0;
	}
	if (p != len)
		return 0;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 || sec > 59 ||
	    oh > 23 || om > 59) {
		*why = sec == 60 ? "leap seconds are not accepted" : "a date or time field is out of range";
		return 0;
	}
	mins = days_from_civil(Y, M, D) * 1440 + h * 60 + mi - sign * (oh * 60 + om);
	days = mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440);
	mins -= days * 1440;
	civil_from_days(days, &y2, &m2, &d2);
	if (y2 < 0 || y2 > 9999) {
		*why = "the date is out of range (years 0000 to 9999 in UTC)";
		return 0;
	}
	{
		char tmp[128];
		int k = snprintf(tmp, sizeof(tmp), "%04ld-%02d-%02dT%02ld:%02ld:%02d%s%.*sZ", y2, m2, d2,
		    mins / 60, mins % 60, sec, frac ? "." : "", (int)frac, s + fracpos);
		if (k < 0 || (size_t)k >= CB_TIME_MAX)
			return 0;
		if (out != NULL)
			memcpy(out, tmp, (size_t)k + 1);
	}
	if (us != NULL) {
		int64_t v = ((int64_t)days * 86400 + mins * 60 + sec) * 1000000;
		size_t i;
		int64_t scale = 100000;
		for (i = 0; i < frac && i < 6; i++, scale /= 10)
			v += (s[fracpos + i] - '0') * scale;
		*us = v;
	}
	return 1;
}

int
cb_time_format(char out[CB_TIME_MAX], int64_t us, int digits)
{
	int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	int64_t frac = us - secs * 1000000;
	long days = (long)(secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400));
	long rem = (long)(secs - (int64_t)days * 86400), y;
	int m, d, n;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		out[0] = '\0';
		return -1;
	}
	if (digits == 3)
		n = snprintf(out, CB_TIME_MAX, "%04ld-%02d-%02dT%02ld:%02ld:%02ld.%03dZ", y, m, d,
		    rem / 3600, rem / 60 % 60, rem % 60, (int)(frac / 1000));
	else if (digits == 6)
		n = snprintf(out, CB_TIME_MAX, "%04ld-%02d-%02dT%02ld:%02ld:%02ld.%06dZ", y, m, d,
		    rem / 3600, rem / 60 % 60, rem % 60, (int)frac);
	else
		n = snprintf(out, CB_TIME_MAX, "%04ld-%02d-%02dT%02ld:%02ld:%02ldZ", y, m, d,
		    rem / 3600, rem / 60 % 60, rem % 60);
	return n > 0 && n < CB_TIME_MAX ? n : -1;
}

void
cb_time_now_iso(char out[CB_TIME_MAX])
{
	(void)cb_time_format(out, cb_time_now_us(), 3);
}
