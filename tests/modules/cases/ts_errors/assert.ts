const x = <number>y;
