/* The whole of the daemon's rehearsal image (src/daemon/rehearsal.ts): a program that succeeds. */
int main(void) { return 0; }
