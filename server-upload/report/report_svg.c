/* report_svg.c: the report's chart of the last 12 weeks as SVG made on the server. */
#include <stdio.h>

#include "report.h"

#define W      640
#define H      240
#define LEFT   40
#define BOTTOM 40

void report_svg(const struct report *r, struct html *h)
{
	long max = 1;
	double bw = (double)(W - LEFT - 10) / REPORT_WEEKS;

	for (int i = 0; i < REPORT_WEEKS; i++)
		if (r->weekly[i] > max)
			max = r->weekly[i];
	html_fmt(h,
	         "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	         "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Captures per "
	         "week, the last 12 weeks\" font-family=\"sans-serif\" font-size=\"11\">",
	         W, H, W, H);
	html_fmt(h, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT,
	         H - BOTTOM, W - 10, H - BOTTOM);
	html_fmt(h, "<text x=\"%d\" y=\"12\" text-anchor=\"end\">%ld</text>", LEFT - 4, max);
	html_fmt(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", LEFT - 4, H - BOTTOM);
	for (int i = 0; i < REPORT_WEEKS; i++) {
		double x = LEFT + i * bw + 3, plot = H - BOTTOM - 16;
		double ha = plot * (double)r->weekly[i] / (double)max;
		double hc = plot * (double)r->weekly_concerns[i] / (double)max;
		html_fmt(h,
		         "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		         "fill=\"#9bb\"><title>%s: %ld captures, %ld concerns</title></rect>",
		         x, H - BOTTOM - ha, bw - 6, ha, r->week_labels[i], r->weekly[i],
		         r->weekly_concerns[i]);
		html_fmt(h,
		         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		         "fill=\"#a33\"/>",
		         x, H - BOTTOM - hc, bw - 6, hc);
		html_fmt(h, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">W%s</text>",
		         x + (bw - 6) / 2, H - BOTTOM + 14, r->week_labels[i] + 6);
		if (r->weekly[i])
			html_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%ld</text>",
			         x + (bw - 6) / 2, H - BOTTOM - ha - 3, r->weekly[i]);
	}
	html_fmt(h,
	         "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#9bb\"/><text "
	         "x=\"%d\" y=\"%d\">captures</text><rect x=\"%d\" y=\"%d\" width=\"10\" "
	         "height=\"10\" fill=\"#a33\"/><text x=\"%d\" y=\"%d\">confirmed or escalated "
	         "concerns</text></svg>",
	         LEFT, H - 14, LEFT + 14, H - 5, LEFT + 90, H - 14, LEFT + 104, H - 5);
}
