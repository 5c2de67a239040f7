/* tessdl.c: Tesseract's C API, loaded when OCR starts rather than linked into the agent. */
#include "tessdl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "log.h"

#define TESS_LIBRARY "libtesseract.so.5"

int tess_load(struct tess_api *t)
{
	static const struct {
		const char *name;
		size_t at;
	} fns[] = {
	    {"TessBaseAPICreate", offsetof(struct tess_api, create)},
	    {"TessBaseAPIInit3", offsetof(struct tess_api, init3)},
	    {"TessBaseAPISetPageSegMode", offsetof(struct tess_api, set_page_seg_mode)},
	    {"TessBaseAPISetImage", offsetof(struct tess_api, set_image)},
	    {"TessBaseAPISetSourceResolution", offsetof(struct tess_api, set_source_resolution)},
	    {"TessBaseAPIGetUTF8Text", offsetof(struct tess_api, get_utf8_text)},
	    {"TessDeleteText", offsetof(struct tess_api, delete_text)},
	    {"TessBaseAPIClear", offsetof(struct tess_api, clear)},
	    {"TessBaseAPIEnd", offsetof(struct tess_api, end)},
	    {"TessBaseAPIDelete", offsetof(struct tess_api, del)},
	};
	/* kept loaded for the process's life: a library with threads is never unloaded */
	void *lib = dlopen(TESS_LIBRARY, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		log_warning("screen-text: OCR needs Tesseract (%s, package libtesseract5): %s",
		            TESS_LIBRARY, dlerror());
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *f = dlsym(lib, fns[i].name);

		if (!f) {
			log_warning("screen-text: %s has no %s", TESS_LIBRARY, fns[i].name);
			return -ENOTSUP;
		}
		*(void **)((char *)t + fns[i].at) = f;
	}
	return 0;
}
