/* vsatspi.h: text that applications insert, through AT-SPI on the pupil's accessibility bus. */
#pragma once

/*
 * Connects to the accessibility bus (org.a11y.Bus GetAddress on the session bus, through
 * libatspi) and forwards the text the focused text object inserts (object:text-changed:
 * insert) as "typed" messages, and what it deletes as "erase" ones: nothing from a
 * password field (ATSPI_ROLE_PASSWORD_TEXT), from an object that does not have the
 * focus, or while the session is locked. Nothing is kept: each insertion is sent and
 * wiped. Returns 0, or -1 when there is no accessibility bus (logged).
 */
int vsatspi_start(void);
