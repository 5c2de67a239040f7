/* tessdl.h: Tesseract's C API, loaded when OCR starts rather than linked into the agent. */
#pragma once

#include <tesseract/capi.h>

/*
 * The functions of libtesseract the OCR uses. The agent is not linked with the library:
 * with screen text off or AT-SPI only (the usual case) none of Tesseract, Leptonica,
 * OpenMP, libstdc++ and their image libraries is mapped into its processes.
 */
struct tess_api {
	__typeof__(TessBaseAPICreate) *create;
	__typeof__(TessBaseAPIInit3) *init3;
	__typeof__(TessBaseAPISetPageSegMode) *set_page_seg_mode;
	__typeof__(TessBaseAPISetImage) *set_image;
	__typeof__(TessBaseAPISetSourceResolution) *set_source_resolution;
	__typeof__(TessBaseAPIGetUTF8Text) *get_utf8_text;
	__typeof__(TessDeleteText) *delete_text;
	__typeof__(TessBaseAPIClear) *clear;
	__typeof__(TessBaseAPIEnd) *end;
	__typeof__(TessBaseAPIDelete) *del;
};

/* Loads libtesseract (once per process) and fills *t. 0, or -ENOTSUP when the library or
 * one of its functions is missing (logged). */
int tess_load(struct tess_api *t);
