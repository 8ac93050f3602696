/* influmap — `where:` filters: small boolean expressions over a feature's
 * attributes, written on layers and rules in a spec:
 *
 *   ISO_A3 in (VEN, NIC, CUB)
 *   date >= 2021-12 and not (status = 'proposed' or status is null)
 *   name like 'San *' and POP_EST > 1e6
 *
 * An expression is parsed once into a tree (im_filter_parse), bound to a
 * layer's fields (im_filter_bind), then evaluated per feature without
 * allocating (im_filter_eval).
 *
 * Grammar, from the lowest precedence to the highest:
 *   expr      := and ('or' and)*
 *   and       := not ('and' not)*
 *   not       := 'not' not | predicate
 *   predicate := '(' expr ')'
 *              | value op value                  op: = != <> < <= > >=
 *              | value ['not'] 'in' '(' item (',' item)* ')'
 *              | value ['not'] 'like' 'pattern'
 *              | value 'is' ['not'] 'null'
 *              | 'true' | 'false'
 *   value     := sum ('||' sum)*                 (joins texts)
 *   sum       := product (('+' | '-') product)*
 *   product   := unary (('*' | '/' | '%') unary)*
 *   unary     := ('-' | '+') unary | primary
 *   primary   := '(' value ')' | function '(' [value (',' value)*] ')' | operand
 *   operand   := field | 'text' | number | date | 'true' | 'false'
 * A '(' opens a value when a comparison follows its ')': (a + b) / 2 > 1.
 * Functions (docs/style-language.md, "Expressions"): upper lower length
 * substr trim concat coalesce round abs floor ceil number year month day
 * days_between format. A computed value is null ("no data") when a field it
 * needs is null or not of the kind needed (a number for arithmetic, a
 * date for the date functions), on a division by zero and when not
 * finite; a comparison with a null value is false.
 * Keywords (and or not in like is null true false) are case-insensitive; a
 * field named like a keyword is written in double quotes: "in" = 1.
 *
 * Operands:
 *   field    a bare word [A-Za-z_][A-Za-z0-9_]*, or any name in double
 *            quotes ("field name"; "" inside stands for one ").
 *   'text'   UTF-8 in single quotes; '' inside stands for one ' ('O''Higgins').
 *   number   decimal: 12, -12.5, .5, 1e6 (not hex, inf or nan). A '-'
 *            where a value is expected, written against the digits, is
 *            part of the number (x = -2); after a value it subtracts
 *            (10-2 is 8).
 *   date     ISO 8601, unquoted: 2021, 2021-12, 2021-12-01,
 *            2021-12-01T10:00, 2021-12-01T10:00:30.5, each time optionally
 *            followed by Z, +HH:MM, +HHMM or +HH (or -).
 *   In a list after 'in', every item is a value, never a field: a bare word
 *   or a double-quoted name is text (ISO_A3 in (VEN, NIC, 'CUB') has three
 *   texts); numbers, dates, 'text', true and false are as above.
 * 'null' is not a value: test for it with 'is null' / 'is not null'.
 *
 * Semantics. An attribute value is UTF-8 text or null, and the literal it is
 * compared with decides how:
 *   - text: byte-wise, so case-sensitive; < and > order by code point.
 *   - a number: the attribute, trimmed of blanks, must be a decimal number
 *     (as above, with an optional leading +), else the comparison is false.
 *   - a date: the attribute must be a date as above, or also with a space
 *     for the T ("2021-12-01 10:00") or as YYYYMMDD (DBF dates), else false.
 *     A date names a whole period, and two dates compare at the coarser of
 *     their precisions (year, month, day, time): date = 2021-12 holds on any
 *     day of December 2021, date >= 2021-12 from 1 December 2021 on,
 *     date > 2021-12 from 1 January 2022 on, date < 2021-12 before
 *     December. Two dates that both have times compare as instants (a time
 *     without a zone is UTC); at day precision or coarser the calendar date
 *     as written counts, whatever its zone.
 *   - a bare four-digit number such as 2021 is a year when the field is a
 *     date field (DBF type D), or when the attribute is a date but not a
 *     number ('2021-05-03'); otherwise it is the number 2021.
 *   - true/false: the attribute must be one of true, false, t, f, yes, no,
 *     y, n, 1, 0 (any case, trimmed), else false; false < true.
 *   - field against field: as numbers when both values are numbers, else as
 *     text.
 *   - like: a glob matched against the whole value, case-sensitive: '*' any
 *     run of characters (also none), '?' exactly one UTF-8 character,
 *     '[abc]' one of a, b, c, '[a-z]' a range of code points, '[!x]' or
 *     '[^x]' any character but x ('[]x]' and '[a-]' hold ']' and '-'), and
 *     '\' makes the next character literal. A pattern with none of * ? [
 *     is read as SQL instead: '%' any run, '_' one character ('Bogot_').
 * Logic is two-valued. A comparison (=, !=, <, in, like, ...) with a null
 * attribute, or with a value that is not of the literal's kind, is false;
 * only 'is null' and 'is not null' look at nulls. 'x not in (...)' holds
 * when x is not null and equals none of the items; 'x not like p' when x is
 * not null and does not match p. 'not' is plain negation, so 'not x = 1'
 * holds where x is null or not a number, while 'x != 1' does not.
 *
 * Limits: 64 KiB of text, 256 levels of parentheses and 'not', and 256
 * of parentheses, signs and calls within a value. */
#ifndef INFLUMAP_FILTER_H
#define INFLUMAP_FILTER_H

#include "influmap/export.h"

#include <stdbool.h>
#include <stddef.h>

#include "influmap/error.h"
#include "influmap/layer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_filter im_filter;

/* Parses text. file, line and column say where text starts in the spec (the
 * column of its first character, 1-based); an error is reported at its own
 * line:column in the spec (columns count UTF-8 characters; a newline in text
 * starts the next line at column 1), with IM_STATUS_INPUT. Returns a new
 * filter in *out; free it with im_filter_free. */
IM_API im_status im_filter_parse(const char *text, const char *file, int line, int column, im_filter **out,
                                 im_error *err);

IM_API void im_filter_free(im_filter *f);

/* Resolves the expression's field names against a layer's fields:
 * case-insensitive, an exact-case match winning. An unknown field is an
 * IM_STATUS_INPUT error at the field's own line:column in the spec, naming
 * layer_path and suggesting a close name or listing the fields. May be
 * called again to bind to another layer; after a failure the filter is
 * unbound. fields are not kept. */
IM_API im_status im_filter_bind(im_filter *f, const im_field *fields, size_t nfields, const char *layer_path,
                                im_error *err);

/* Evaluates the filter against one feature's values, aligned with the fields
 * it was bound to (NULL for a null value). Does not allocate. False when the
 * filter is not bound. */
IM_API bool im_filter_eval(const im_filter *f, char *const *values);

/* Parses a value expression (docs/style-language.md, "Expressions"):
 * arithmetic, || and functions over fields and literals, such as
 * GDP_MD_EST * 1e6 / POP_EST or upper(NAME) || ' (' || ISO_A3 || ')'.
 * Errors as for im_filter_parse. Bind it with im_filter_bind and compute it
 * with im_filter_value; im_filter_eval is false for it. */
IM_API im_status im_filter_parse_value(const char *text, const char *file, int line, int column, im_filter **out,
                                       im_error *err);

/* Computes a value expression for one feature's values (aligned with the
 * fields it was bound to) into buf as text: numbers as the shortest decimal
 * that reads back exactly ("0.1", "2021", "1e+21"), dates in ISO 8601.
 * Returns the length of the text (as snprintf: buf holds size - 1 bytes of
 * it at most, NUL-terminated), or -1 when the value is null: a field that
 * is null or not of the kind needed, a division by zero, a result that is
 * not finite, a text of more than 4 KiB; or when f is not a bound value
 * expression. Does not allocate. */
IM_API int im_filter_value(const im_filter *f, char *const *values, char *buf, size_t size);

/* The expression's source text (owned by f), for messages. */
IM_API const char *im_filter_text(const im_filter *f);

#ifdef __cplusplus
}
#endif
#endif
