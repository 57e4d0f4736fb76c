yield 1;
