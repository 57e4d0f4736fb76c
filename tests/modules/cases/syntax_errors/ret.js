
  return 5;
