/* Link probe: each layer's whole archive is linked against only the layers it may use,
 * so a reference to a higher layer is an undefined symbol and fails the build. */
int main(void) { return 0; }
