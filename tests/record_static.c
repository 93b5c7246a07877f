/* A statically linked program for tests/record_e2e.sh: the dynamic loader never runs, so
 * LD_PRELOAD (the recorder) is ignored and `allocreplay record` must say so. */
int main(void)
{
    return 0;
}
