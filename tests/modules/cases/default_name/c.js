export default class { m() { return 'm'; } }
