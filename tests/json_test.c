/* The JSON writer (util/json.h) and exact number text (util/number.h): nesting, commas,
 * escaping, bytes that are not UTF-8, whole numbers as integers, NaN as null. The document is
 * compared byte for byte; tests/json_cli.sh checks the commands' JSON with python3 -m json.tool. */
#include "util/json.h"
#include "util/number.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void check_number(double v, const char *want)
{
    char buf[NUMBER_BUF];
    int rc = number_format(buf, sizeof buf, v);
    TAP_OK(!strcmp(buf, want) && rc == (*want ? 0 : -1), "number %.17g -> '%s' (got '%s')", v,
           want, buf);
}

int main(void)
{
    check_number(3436544, "3436544");
    check_number(9007199254740991.0, "9007199254740991");
    check_number(-0.0, "0");
    check_number(-12, "-12");
    check_number(0.1, "0.1");
    check_number(1.0 / 3, "0.3333333333333333");
    check_number(1e300, "1e+300");
    check_number(NAN, "");
    check_number(INFINITY, "");

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return 99;
    struct json j;
    json_init(&j, f);
    json_object_begin(&j);
    json_key(&j, "name");
    json_string(&j, "a \"q\" \\ \n\t\x01 \xc3\xa9 \xff\xc3");
    json_key(&j, "n");
    json_u64(&j, 18446744073709551615ull);
    json_key(&j, "list");
    json_array_begin(&j);
    json_number(&j, 3436544.0);
    json_number(&j, 1.5);
    json_number(&j, NAN);
    json_i64(&j, -7);
    json_bool(&j, 1);
    json_null(&j);
    json_string(&j, NULL);
    json_array_end(&j);
    json_key(&j, "empty");
    json_object_begin(&j);
    json_object_end(&j);
    json_key(&j, "none");
    json_array_begin(&j);
    json_array_end(&j);
    json_object_end(&j);
    TAP_OK(json_finish(&j) == 0, "finished with every container closed");
    fclose(f);
    static const char want[] =
        "{\n"
        "  \"name\": \"a \\\"q\\\" \\\\ \\n\\t\\u0001 \xc3\xa9 \\ufffd\\ufffd\",\n"
        "  \"n\": 18446744073709551615,\n"
        "  \"list\": [\n"
        "    3436544,\n    1.5,\n    null,\n    -7,\n    true,\n    null,\n    null\n"
        "  ],\n"
        "  \"empty\": {},\n"
        "  \"none\": []\n"
        "}\n";
    TAP_OK(text && !strcmp(text, want), "document as expected");
    if (text && strcmp(text, want))
        printf("# got:\n%s", text);
    free(text);

    f = open_memstream(&text, &len);
    json_init(&j, f);
    json_array_begin(&j);
    TAP_OK(json_finish(&j) == -1, "an unclosed array is an error");
    fclose(f);
    free(text);

    f = open_memstream(&text, &len);
    json_init(&j, f);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_array_begin(&j);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_array_end(&j);
    TAP_OK(json_finish(&j) == -1, "nesting deeper than JSON_MAX_DEPTH is an error");
    fclose(f);
    free(text);
    return tap_done();
}
