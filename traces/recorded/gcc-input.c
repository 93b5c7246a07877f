/* The input of traces/recorded/gcc-compile.alrt (gcc -O1 -c gcc-input.c). No #include, so
 * the trace does not depend on the system headers. */
struct node {
    struct node *left, *right;
    long key, value;
};

static struct node *insert(struct node *t, struct node *n)
{
    if (!t)
        return n;
    if (n->key < t->key)
        t->left = insert(t->left, n);
    else
        t->right = insert(t->right, n);
    return t;
}

static long sum(const struct node *t)
{
    return t ? t->value + sum(t->left) + sum(t->right) : 0;
}

long build(struct node *pool, int n)
{
    struct node *root = 0;
    for (int i = 0; i < n; i++) {
        pool[i].key = (i * 7919L) % 1000;
        pool[i].value = i;
        pool[i].left = pool[i].right = 0;
        root = insert(root, &pool[i]);
    }
    return sum(root);
}
